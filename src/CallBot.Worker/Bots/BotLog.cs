using CallBot.Signaling.ConnectyCube;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Bots;

internal static partial class BotLog
{
    [LoggerMessage(5001, LogLevel.Information, "Bot {UserId}: incoming call {SessionId} from {CallerId} ({CallType}): {Decision}")]
    public static partial void Incoming(ILogger logger, int userId, string sessionId, int callerId, CallType callType, AnswerDecision decision);

    [LoggerMessage(5002, LogLevel.Information, "Bot {UserId}: calling {Targets} ({CallType}), session {SessionId}")]
    public static partial void Calling(ILogger logger, int userId, string targets, CallType callType, string sessionId);

    [LoggerMessage(5003, LogLevel.Information, "Bot {UserId}: call {SessionId} with {RemoteUserId} ended: {Result} after {Duration}; setup {SetupMs} ms, frames sent {FramesSent} received {FramesReceived}")]
    public static partial void Ended(ILogger logger, int userId, string sessionId, int remoteUserId, CallDisposition result, TimeSpan duration, double? setupMs, long framesSent, long framesReceived);

    [LoggerMessage(5004, LogLevel.Warning, "Bot {UserId}: call {SessionId}: {Action} failed")]
    public static partial void ActionFailed(ILogger logger, int userId, string sessionId, string action, Exception error);

    [LoggerMessage(5005, LogLevel.Information, "Bot {UserId}: chat {State}")]
    public static partial void ChatState(ILogger logger, int userId, string state);

    [LoggerMessage(5006, LogLevel.Information, "Bot {UserId}: shutting down, hanging up {Calls} call(s)")]
    public static partial void ShuttingDown(ILogger logger, int userId, int calls);

    [LoggerMessage(5007, LogLevel.Warning, "Bot {UserId}: {Calls} call(s) did not close within the shutdown timeout")]
    public static partial void ShutdownTimedOut(ILogger logger, int userId, int calls);

    [LoggerMessage(5008, LogLevel.Information, "Bot {UserId}: call {SessionId} reached its time limit; hanging up")]
    public static partial void TimeLimit(ILogger logger, int userId, string sessionId);

    [LoggerMessage(5009, LogLevel.Warning, "Chat TLS certificate validation is OFF (CallBot:Chat:ValidateCertificates=false) for {Endpoint}: anyone on the path can read and change signaling, including the SDP fingerprints that protect media")]
    public static partial void CertificateValidationOff(ILogger logger, string endpoint);

    [LoggerMessage(5010, LogLevel.Information, "Bot {UserId}: call {SessionId} came before media was ready; answering once it is")]
    public static partial void AwaitingMedia(ILogger logger, int userId, string sessionId);

    [LoggerMessage(5011, LogLevel.Information, "Bot {UserId}: media ready after {ElapsedMs:0} ms")]
    public static partial void MediaReady(ILogger logger, int userId, double elapsedMs);

    [LoggerMessage(5012, LogLevel.Error, "Bot {UserId}: media could not be prepared; calls will fail")]
    public static partial void MediaFailed(ILogger logger, int userId, Exception error);
}
