using CallBot.Rtc.Ice;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

internal static partial class PeerConnectionLog
{
    [LoggerMessage(2401, LogLevel.Information, "Peer connection {Id} state {State}")]
    public static partial void StateChanged(ILogger logger, string id, PeerConnectionState state);

    [LoggerMessage(2402, LogLevel.Debug, "Peer connection {Id} ICE state {State}")]
    public static partial void IceStateChanged(ILogger logger, string id, IceConnectionState state);

    [LoggerMessage(2403, LogLevel.Information, "Peer connection {Id} DTLS connected as {Role}: {Profile}, cipher suite 0x{Suite:X4}")]
    public static partial void DtlsConnected(ILogger logger, string id, string role, string profile, int suite);

    [LoggerMessage(2404, LogLevel.Warning, "SECURITY: peer connection {Id} DTLS fingerprint mismatch: the peer's certificate does not match the SDP; connection failed")]
    public static partial void FingerprintMismatch(ILogger logger, string id);

    [LoggerMessage(2405, LogLevel.Warning, "Peer connection {Id} DTLS handshake failed: {Failure}")]
    public static partial void DtlsFailed(ILogger logger, string id, string failure, Exception exception);

    [LoggerMessage(2406, LogLevel.Information, "Peer connection {Id} DTLS closed (by peer: {ByPeer}): {Reason}")]
    public static partial void DtlsClosed(ILogger logger, string id, bool byPeer, string reason);

    [LoggerMessage(2407, LogLevel.Warning, "Peer connection {Id}: event handler threw")]
    public static partial void HandlerFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(2408, LogLevel.Debug, "Peer connection {Id} ICE restart ({Side})")]
    public static partial void IceRestart(ILogger logger, string id, string side);

    [LoggerMessage(2409, LogLevel.Debug, "Peer connection {Id}: ignored remote candidate {Candidate}")]
    public static partial void CandidateIgnored(ILogger logger, string id, string candidate);

    [LoggerMessage(2410, LogLevel.Warning, "Peer connection {Id}: remote fingerprint changed on renegotiation; keeping the existing DTLS association")]
    public static partial void FingerprintChanged(ILogger logger, string id);

    [LoggerMessage(2411, LogLevel.Warning, "Peer connection {Id}: timer tick failed")]
    public static partial void TickFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(2412, LogLevel.Warning, "STUN server {Url} does not resolve; it is skipped")]
    public static partial void StunServerUnresolved(ILogger logger, string url);
}
