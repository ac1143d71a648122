namespace CallBot.Rtc;

/// <summary>A description could not be applied (bad SDP, no BUNDLE/rtcp-mux, wrong signaling state).</summary>
public sealed class PeerConnectionException : Exception
{
    public PeerConnectionException()
    {
    }

    public PeerConnectionException(string message)
        : base(message)
    {
    }

    public PeerConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
