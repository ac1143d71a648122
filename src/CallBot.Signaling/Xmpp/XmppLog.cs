using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.Xmpp;

internal static partial class XmppLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "XMPP online as {Jid} over {Transport}")]
    public static partial void Online(ILogger logger, string jid, string transport);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "XMPP connect attempt {Attempt} to {Endpoint} failed; next try in {Delay}: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, int attempt, Uri endpoint, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "XMPP connection to {Endpoint} lost (reader: {ReadState}): {Reason}")]
    public static partial void ConnectionLost(ILogger logger, Uri endpoint, string readState, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "XMPP authentication as {User} at {Endpoint} failed ({Condition}); not retrying")]
    public static partial void AuthenticationFailed(ILogger logger, string user, Uri endpoint, string condition);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "XMPP keepalive ping got no answer in {Timeout}; connection stalled (reader: {ReadState}, last byte {SinceLastReceive} ago)")]
    public static partial void Stalled(ILogger logger, TimeSpan timeout, string readState, TimeSpan sinceLastReceive);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "XMPP authenticated with {Mechanism}")]
    public static partial void Authenticated(ILogger logger, string mechanism);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Debug, Message = "XMPP flushed {Count} queued stanzas after reconnect")]
    public static partial void Flushed(ILogger logger, int count);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "XMPP event handler threw; ignored")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Error, Message = "XMPP connection loop failed unexpectedly; the client is stopped")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "XMPP stream resumed as {Jid} (XEP-0198)")]
    public static partial void Resumed(ILogger logger, string jid);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "XMPP input refused: {Reason} (element {Element}); the stream goes on")]
    public static partial void Refused(ILogger logger, string reason, string element);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning, Message = "XMPP TLS certificate validation is OFF for {Endpoint}: anyone on the path can read and change the chat, including the SDP fingerprints that protect media")]
    public static partial void CertificateValidationOff(ILogger logger, Uri endpoint);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "XMPP endpoint {Endpoint} is not encrypted and not on loopback (allowed by AllowUnencrypted): SDP fingerprints travel in clear")]
    public static partial void UnencryptedAllowed(ILogger logger, Uri endpoint);
}
