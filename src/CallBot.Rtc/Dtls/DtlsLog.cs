using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Dtls;

internal static partial class DtlsLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "DTLS handshake starting as {Role}")]
    public static partial void HandshakeStarting(ILogger logger, DtlsRole role);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "DTLS handshake completed as {Role}: {Profile}, cipher suite 0x{CipherSuite:X4}, EMS {ExtendedMasterSecret}, in {ElapsedMs} ms")]
    public static partial void HandshakeCompleted(ILogger logger, DtlsRole role, string profile, int cipherSuite, bool extendedMasterSecret, long elapsedMs);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "SECURITY: remote DTLS certificate {Actual} does not match any SDP fingerprint; connection refused")]
    public static partial void FingerprintMismatch(ILogger logger, string actual);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "DTLS handshake failed as {Role}: {Failure}")]
    public static partial void HandshakeFailed(ILogger logger, DtlsRole role, DtlsFailure failure, Exception exception);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "DTLS association closed (by peer: {ByPeer}, alert {Alert}): {Reason}")]
    public static partial void Closed(ILogger logger, bool byPeer, short? alert, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "DTLS alert received: level {Level}, description {Description}")]
    public static partial void AlertReceived(ILogger logger, short level, short description);
}
