namespace CallBot.Rtc.Dtls;

/// <summary>The established association ended: the peer sent close_notify or an alert, or reading failed.</summary>
public sealed class DtlsClosedEventArgs : EventArgs
{
    public DtlsClosedEventArgs(bool byPeer, short? alertDescription, string reason)
    {
        ByPeer = byPeer;
        AlertDescription = alertDescription;
        Reason = reason;
    }

    /// <summary>True when the peer ended it (close_notify or fatal alert).</summary>
    public bool ByPeer { get; }

    /// <summary>TLS AlertDescription (0 = close_notify), when an alert ended it.</summary>
    public short? AlertDescription { get; }

    public string Reason { get; }
}
