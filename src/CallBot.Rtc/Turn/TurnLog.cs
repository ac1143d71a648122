using System.Net;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Turn;

internal static partial class TurnLog
{
    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "TURN allocation {Relayed} on {Server} ({Transport}), lifetime {Lifetime}")]
    public static partial void Allocated(ILogger logger, IPEndPoint relayed, IPEndPoint server, TurnTransportKind transport, TimeSpan lifetime);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "TURN allocation attempt {Attempt} failed; retrying")]
    public static partial void AllocateRetry(ILogger logger, int attempt, Exception? exception);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "TURN allocation lost")]
    public static partial void AllocationLost(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Debug, Message = "TURN {Method} answered {Code}; retrying with new nonce")]
    public static partial void Challenge(ILogger logger, string method, int code);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Debug, Message = "TURN permission for {Peer} failed")]
    public static partial void PermissionFailed(ILogger logger, IPAddress peer, Exception exception);

    [LoggerMessage(EventId = 2305, Level = LogLevel.Debug, Message = "TURN channel bind for {Peer} failed")]
    public static partial void ChannelBindFailed(ILogger logger, IPEndPoint peer, Exception exception);

    [LoggerMessage(EventId = 2306, Level = LogLevel.Debug, Message = "TURN connection to the server closed")]
    public static partial void TransportClosed(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 2307, Level = LogLevel.Debug, Message = "TURN allocation released")]
    public static partial void Released(ILogger logger);

    [LoggerMessage(EventId = 2308, Level = LogLevel.Debug, Message = "TURN release failed (allocation will expire on its own)")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2309, Level = LogLevel.Warning, Message = "TURN received-frame handler threw; frame dropped")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);
}
