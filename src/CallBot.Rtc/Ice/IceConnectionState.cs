namespace CallBot.Rtc.Ice;

/// <summary>Agent state, shaped like RTCIceConnectionState.</summary>
public enum IceConnectionState
{
    New,
    Checking,
    Connected,
    Completed,
    Disconnected,
    Failed,
    Closed,
}
