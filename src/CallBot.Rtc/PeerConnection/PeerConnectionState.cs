namespace CallBot.Rtc;

/// <summary>Shaped like RTCPeerConnectionState: Connected means ICE has a pair AND DTLS-SRTP keys are in place.</summary>
public enum PeerConnectionState
{
    New,
    Connecting,
    Connected,
    Disconnected,
    Failed,
    Closed,
}
