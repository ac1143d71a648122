using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Dtls;

/// <summary>Settings of one DTLS-SRTP association.</summary>
public sealed class DtlsSrtpOptions
{
    public required DtlsRole Role { get; init; }

    public required DtlsCertificate Certificate { get; init; }

    /// <summary>
    /// The remote <c>a=fingerprint</c> values from SDP. The peer's certificate must match one of them (of the
    /// same hash algorithm) or the handshake fails with <see cref="DtlsFingerprintMismatchException"/>.
    /// </summary>
    public required IReadOnlyList<DtlsFingerprint> RemoteFingerprints { get; init; }

    /// <summary>SRTP profiles to offer (client) or accept (server), most preferred first.</summary>
    public IReadOnlyList<SrtpProfile> SrtpProfiles { get; init; } = [SrtpProfile.AeadAes128Gcm, SrtpProfile.Aes128CmHmacSha1Tag80];

    /// <summary>The whole handshake must finish within this time (BouncyCastle's handshake timeout, plus a watchdog).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>First retransmission timeout of a flight; BouncyCastle doubles it up to 60 s (RFC 6347 §4.2.4.1).</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest datagram we send; handshake messages are fragmented to fit (1200 keeps clear of TURN and VPN overheads).</summary>
    public int MaxDatagramSize { get; init; } = 1200;

    /// <summary>Datagrams queued from the receive loop before BouncyCastle reads them; extra ones are dropped and counted.</summary>
    public int ReceiveQueueCapacity { get; init; } = 64;

    /// <summary>Refuse peers that do not negotiate extended_master_secret (RFC 7627). Chrome, Firefox and OpenSSL all do.</summary>
    public bool RequireExtendedMasterSecret { get; init; } = true;

    /// <summary>Limits for the two SRTP contexts the handshake produces.</summary>
    public SrtpContextOptions? SrtpContextOptions { get; init; }

    /// <summary>Tests only: extra ClientHello extensions, to imitate newer browsers (ignored in the server role).</summary>
    internal IReadOnlyDictionary<int, byte[]>? ExtraClientExtensions { get; init; }
}
