namespace CallBot.Rtc.Turn;

/// <summary>How the client reaches the TURN server (the relayed transport to peers is always UDP).</summary>
public enum TurnTransportKind
{
    Udp,
    Tcp,
    Tls,
}
