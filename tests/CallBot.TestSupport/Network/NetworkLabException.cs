namespace CallBot.TestSupport.Network;

/// <summary>A lab step failed: not root, <c>ip</c> missing, or an <c>ip</c> command exited non-zero (the message has its stderr).</summary>
public sealed class NetworkLabException : Exception
{
    public NetworkLabException()
    {
    }

    public NetworkLabException(string message)
        : base(message)
    {
    }

    public NetworkLabException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
