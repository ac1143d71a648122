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

/// <summary>ConnectyCube SDK's SessionConnectionState numbers.</summary>
public enum SessionConnectionState
{
    Undefined = 0,
    Connecting = 1,
    Connected = 2,
    Failed = 3,
    Disconnected = 4,
    Closed = 5,
    Completed = 6,
}

public static class IceConnectionStateExtensions
{
    public static SessionConnectionState ToSessionConnectionState(this IceConnectionState state) => state switch
    {
        IceConnectionState.New => SessionConnectionState.Undefined,
        IceConnectionState.Checking => SessionConnectionState.Connecting,
        IceConnectionState.Connected => SessionConnectionState.Connected,
        IceConnectionState.Completed => SessionConnectionState.Completed,
        IceConnectionState.Disconnected => SessionConnectionState.Disconnected,
        IceConnectionState.Failed => SessionConnectionState.Failed,
        _ => SessionConnectionState.Closed,
    };
}
