namespace CallBot.TestSupport.ConnectyCube;

/// <summary>The SDK's <c>ConnectyCube.videochat.CallType</c> (named apart from the bot's own <c>CallType</c>).</summary>
public enum SdkCallType
{
    Video = 1,
    Audio = 2,
}

/// <summary>The SDK's <c>SessionConnectionState</c>, as passed to <c>onSessionConnectionStateChangedListener</c>.</summary>
public enum SdkConnectionState
{
    Undefined = 0,
    Connecting = 1,
    Connected = 2,
    Failed = 3,
    Disconnected = 4,
    Closed = 5,
    Completed = 6,
}

/// <summary>Kinds for <see cref="ConnectyCubeBrowserClient.MuteAsync"/>: the SDK's <c>MediaType</c> strings.</summary>
public static class SdkMediaKind
{
    public const string Audio = "audio";
    public const string Video = "video";
}
