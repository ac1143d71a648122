using CallBot.Rtc.Ice;

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

public static class PeerConnectionStateExtensions
{
    /// <summary>ConnectyCube SDK's SessionConnectionState for a peer connection state.</summary>
    public static SessionConnectionState ToSessionConnectionState(this PeerConnectionState state) => state switch
    {
        PeerConnectionState.New => SessionConnectionState.Undefined,
        PeerConnectionState.Connecting => SessionConnectionState.Connecting,
        PeerConnectionState.Connected => SessionConnectionState.Connected,
        PeerConnectionState.Disconnected => SessionConnectionState.Disconnected,
        PeerConnectionState.Failed => SessionConnectionState.Failed,
        _ => SessionConnectionState.Closed,
    };
}
