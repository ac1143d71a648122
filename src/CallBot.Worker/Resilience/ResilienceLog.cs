using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Resilience;

internal static partial class ResilienceLog
{
    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Session {SessionId}: peer {UserId} stayed disconnected for {ThresholdSeconds} s, starting ICE restart attempts")]
    public static partial void Starting(ILogger logger, string sessionId, int userId, double thresholdSeconds);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Information, Message = "Session {SessionId}: ICE restart attempt {Attempt} with {UserId} ({Role}): {Outcome}, chat {Chat}, offer sent {OfferSent}, {DurationMs} ms")]
    public static partial void Attempt(ILogger logger, string sessionId, int userId, int attempt, string role, string outcome, string chat, bool offerSent, double durationMs);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Information, Message = "Session {SessionId}: peer {UserId} connected again after {Attempts} ICE restart attempt(s)")]
    public static partial void Recovered(ILogger logger, string sessionId, int userId, int attempts);

    [LoggerMessage(EventId = 5404, Level = LogLevel.Warning, Message = "Session {SessionId}: giving up on peer {UserId} after {Attempts} ICE restart attempt(s)")]
    public static partial void GaveUp(ILogger logger, string sessionId, int userId, int attempts, Exception? error);

    [LoggerMessage(EventId = 5405, Level = LogLevel.Warning, Message = "ICE restart handler failed for session {SessionId}")]
    public static partial void HandlerFailed(ILogger logger, string sessionId, Exception error);
}
