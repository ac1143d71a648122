using System.Text.Json;

namespace CallBot.TestSupport.ConnectyCube;

/// <summary>
/// One call of an SDK listener in the page (or a harness event), in the order the page saw them.
/// <see cref="UserId"/> is the listener's <c>userID</c> argument (for <c>call</c>: the caller); <see cref="Data"/> holds the
/// rest (<c>userInfo</c>, <c>state</c>, track counts). <see cref="TimeMs"/> is the page's epoch time in milliseconds.
/// </summary>
public sealed record SdkEvent(int Seq, string Name, double TimeMs, string? SessionId, int? UserId, JsonElement Data)
{
    /// <summary>The <c>userInfo</c> object the listener got, if any.</summary>
    public JsonElement? UserInfo => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("userInfo", out var u) ? u : null;

    /// <summary>For <see cref="SdkEventNames.ConnectionState"/>: the new state.</summary>
    public SdkConnectionState? ConnectionState =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.Number && Name == SdkEventNames.ConnectionState
            ? (SdkConnectionState)s.GetInt32()
            : null;

    /// <summary>For <see cref="SdkEventNames.SignalSent"/>/<see cref="SdkEventNames.SignalReceived"/>: the <c>signalType</c>.</summary>
    public string? SignalType => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("signalType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    /// <summary>For <see cref="SdkEventNames.Call"/>: the session's call type.</summary>
    public SdkCallType? CallType => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("callType", out var t) && t.ValueKind == JsonValueKind.Number ? (SdkCallType)t.GetInt32() : null;

    public override string ToString() => $"#{Seq} {Name} session={SessionId} user={UserId} {Data.GetRawText()}";
}

/// <summary>Names of <see cref="SdkEvent"/>s: the SDK's <c>CallEvent</c> names for its listeners plus harness events.</summary>
public static class SdkEventNames
{
    /// <summary><c>onCallListener(session, userInfo)</c>: an incoming call (user = caller).</summary>
    public const string Call = "call";
    /// <summary><c>onAcceptCallListener(session, userID, userInfo)</c>.</summary>
    public const string Accept = "accept";
    /// <summary><c>onRejectCallListener(session, userID, userInfo)</c>.</summary>
    public const string Reject = "reject";
    /// <summary><c>onStopCallListener(session, userID, userInfo)</c>: the peer hung up.</summary>
    public const string Stop = "stop";
    /// <summary><c>onInvalidEventsListener</c>: a hangUp for a session that is not active.</summary>
    public const string Invalid = "invalid";
    /// <summary><c>onUserNotAnswerListener(session, userID)</c>.</summary>
    public const string NotAnswer = "not-answer";
    /// <summary><c>onRemoteStreamListener(session, userID, stream)</c>; data: audioTracks, videoTracks.</summary>
    public const string RemoteStream = "remote-stream";
    /// <summary><c>onSessionConnectionStateChangedListener(session, userID, state)</c>; data: state.</summary>
    public const string ConnectionState = "connection-state";
    /// <summary><c>onSessionCloseListener(session)</c>.</summary>
    public const string Close = "close";
    /// <summary>Harness: the page called <c>session.call()</c> (after getUserMedia).</summary>
    public const string Dial = "dial";
    /// <summary>Harness: the first remote video frame was rendered (requestVideoFrameCallback); data: width, height.</summary>
    public const string FirstFrame = "first-frame";
    /// <summary>Harness: the SDK wrote a call-signaling stanza; data: signalType, sessionId, index (into the stanza log).</summary>
    public const string SignalSent = "signal-sent";
    /// <summary>Harness: the SDK read a call-signaling stanza; data: signalType, sessionId, index.</summary>
    public const string SignalReceived = "signal-received";
    /// <summary>Harness: an uncaught error in the page.</summary>
    public const string PageError = "page-error";
}
