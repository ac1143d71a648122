using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>Log messages of the call layer. Event ids 1100–1199 (docs/architecture.md, "Logging EventIds").</summary>
internal static partial class CallLog
{
    [LoggerMessage(1100, LogLevel.Debug, "Call signal dropped: {Reason} ({Detail}) session {SessionId} from {UserId}")]
    public static partial void Dropped(ILogger logger, CallDropReason reason, string? detail, string? sessionId, int userId);

    [LoggerMessage(1101, LogLevel.Information, "Call session {SessionId}: incoming call from {UserId}, opponents {Opponents}")]
    public static partial void IncomingCall(ILogger logger, string sessionId, int userId, string opponents);

    [LoggerMessage(1102, LogLevel.Information, "Call session {SessionId} closed ({State})")]
    public static partial void SessionClosed(ILogger logger, string sessionId, CallSessionState state);

    [LoggerMessage(1103, LogLevel.Warning, "Call work item failed")]
    public static partial void WorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(1104, LogLevel.Warning, "Sending a call signal to {To} failed")]
    public static partial void SendFailed(ILogger logger, string to, Exception exception);

    [LoggerMessage(1105, LogLevel.Warning, "Call session {SessionId}: peer {UserId}: {Operation} failed")]
    public static partial void PeerOperationFailed(ILogger logger, string sessionId, int userId, string operation, Exception exception);

    [LoggerMessage(1106, LogLevel.Information, "Call session {SessionId}: user {UserId} did not answer")]
    public static partial void NotAnswered(ILogger logger, string sessionId, int userId);

    [LoggerMessage(1107, LogLevel.Debug, "Call session {SessionId}: sent {SignalType} to {UserId}")]
    public static partial void Sent(ILogger logger, string sessionId, string signalType, int userId);

    [LoggerMessage(1108, LogLevel.Warning, "An app event handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(1109, LogLevel.Information, "Call session {SessionId}: peer {UserId} released after staying disconnected")]
    public static partial void DisconnectReleased(ILogger logger, string sessionId, int userId);
}
