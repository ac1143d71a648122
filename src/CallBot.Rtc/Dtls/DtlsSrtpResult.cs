using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// What a completed DTLS-SRTP handshake yields. The caller owns and disposes both contexts; each is
/// single-threaded (<see cref="LocalContext"/> on the send path, <see cref="RemoteContext"/> on the receive loop).
/// </summary>
public sealed class DtlsSrtpResult
{
    internal DtlsSrtpResult(DtlsRole role, SrtpProfile profile, SrtpContext localContext, SrtpContext remoteContext,
        DtlsFingerprint remoteFingerprint, bool extendedMasterSecret, int cipherSuite)
    {
        Role = role;
        Profile = profile;
        LocalContext = localContext;
        RemoteContext = remoteContext;
        RemoteFingerprint = remoteFingerprint;
        ExtendedMasterSecret = extendedMasterSecret;
        CipherSuite = cipherSuite;
    }

    public DtlsRole Role { get; }

    /// <summary>The SRTP protection profile the server selected.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Protects what we send (keyed with our write key: client_write_* for the client).</summary>
    public SrtpContext LocalContext { get; }

    /// <summary>Unprotects what the peer sends.</summary>
    public SrtpContext RemoteContext { get; }

    /// <summary>The fingerprint (from SDP) that the peer's certificate matched.</summary>
    public DtlsFingerprint RemoteFingerprint { get; }

    public bool ExtendedMasterSecret { get; }

    /// <summary>The negotiated TLS cipher suite number (e.g. 0xC02B, ECDHE-ECDSA-AES128-GCM-SHA256).</summary>
    public int CipherSuite { get; }

    /// <summary>From the handshake's start (ICE connected) to its completion on this side.</summary>
    public TimeSpan HandshakeDuration { get; init; }
}
