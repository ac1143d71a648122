using CallBot.Rtc.Srtp;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// What the client and server peers share: the local credentials, the fingerprint check, the SRTP profile
/// choice, and the outcome of the handshake (written on the handshake thread, read after it completed).
/// </summary>
internal sealed class DtlsPeerState
{
    private static readonly SignatureAndHashAlgorithm EcdsaSha256 = new(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);
    private static readonly SignatureAndHashAlgorithm RsaSha256 = new(HashAlgorithm.sha256, SignatureAlgorithm.rsa);

    public DtlsPeerState(DtlsSrtpOptions options, BcTlsCrypto crypto)
    {
        Options = options;
        Crypto = crypto;
        var certificate = new BcTlsCertificate(crypto, options.Certificate.CertificateDer.ToArray());
        LocalChain = new Certificate([certificate]);
        InitialRetransmitTimeout = options.InitialRetransmitTimeout;
    }

    public DtlsSrtpOptions Options { get; }

    /// <summary>First retransmission timeout of this handshake: the option, or one derived from the path's round trip
    /// (<see cref="DtlsSrtpTransport.HandshakeAsync(TimeSpan?, CancellationToken)"/>); read by BouncyCastle at the start.</summary>
    public TimeSpan InitialRetransmitTimeout { get; set; }

    public BcTlsCrypto Crypto { get; }

    public Certificate LocalChain { get; }

    /// <summary>ECDHE with ECDSA (our certificates) first; RSA variants let a client talk to an RSA-certificate server.</summary>
    public static int[] ClientCipherSuites { get; } =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    ];

    public int[] ServerCipherSuites => Options.Certificate.IsEcdsa
        ? [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
           CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]
        : [CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
           CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA];

    public SrtpProfile? SelectedProfile { get; set; }

    public DtlsFingerprint? MatchedFingerprint { get; private set; }

    /// <summary>Set when the peer's certificate matched none of the SDP fingerprints.</summary>
    public DtlsFingerprint? MismatchedFingerprint { get; private set; }

    public byte[]? KeyingMaterial { get; private set; }

    public bool ExtendedMasterSecret { get; private set; }

    public int CipherSuiteNumber { get; private set; }

    /// <summary>Called with (level, description) for each alert the peer sends.</summary>
    public Action<short, short>? AlertReceived { get; set; }

    public TlsCredentialedSigner CreateSigner(TlsContext context) =>
        new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), Crypto, Options.Certificate.PrivateKey, LocalChain,
            Options.Certificate.IsEcdsa ? EcdsaSha256 : RsaSha256);

    /// <summary>Checks the end-entity certificate against the SDP fingerprints; a mismatch aborts with bad_certificate.</summary>
    public void VerifyPeerCertificate(Certificate? chain)
    {
        if (chain is null || chain.IsEmpty)
        {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "The peer sent no certificate.");
        }

        var der = chain.GetCertificateAt(0).GetEncoded();
        foreach (var expected in Options.RemoteFingerprints)
        {
            if (expected.Matches(der))
            {
                MatchedFingerprint = expected;
                return;
            }
        }

        MismatchedFingerprint = DtlsFingerprint.Compute(der);
        throw new TlsFatalAlert(AlertDescription.bad_certificate, "Certificate fingerprint does not match SDP.");
    }

    /// <summary>Server side: our most preferred profile that the client offered.</summary>
    public SrtpProfile SelectProfile(UseSrtpData? offer)
    {
        if (offer is null)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "The client did not offer use_srtp.");
        }

        foreach (var profile in Options.SrtpProfiles)
        {
            if (Array.IndexOf(offer.ProtectionProfiles, profile.ProtectionProfileId) >= 0)
            {
                SelectedProfile = profile;
                return profile;
            }
        }

        throw new TlsFatalAlert(AlertDescription.handshake_failure, "No common SRTP protection profile.");
    }

    /// <summary>Client side: the server must pick exactly one profile we offered, with no MKI (RFC 5764 §4.1.1).</summary>
    public void AcceptProfile(UseSrtpData? answer)
    {
        if (answer is null)
        {
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "The server did not answer use_srtp.");
        }

        if (answer.ProtectionProfiles.Length != 1 || answer.Mki.Length != 0)
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, "use_srtp answer must carry one profile and no MKI.");
        }

        foreach (var profile in Options.SrtpProfiles)
        {
            if (profile.ProtectionProfileId == answer.ProtectionProfiles[0])
            {
                SelectedProfile = profile;
                return;
            }
        }

        throw new TlsFatalAlert(AlertDescription.illegal_parameter, "The server chose an SRTP profile we did not offer.");
    }

    public int[] OfferedProfileIds()
    {
        var ids = new int[Options.SrtpProfiles.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Options.SrtpProfiles[i].ProtectionProfileId;
        }

        return ids;
    }

    /// <summary>Exports the SRTP keying material while the handshake's secrets are still live.</summary>
    public void OnHandshakeComplete(TlsContext context)
    {
        var profile = SelectedProfile ?? throw new TlsFatalAlert(AlertDescription.internal_error, "No SRTP profile selected.");
        ExtendedMasterSecret = context.SecurityParameters.IsExtendedMasterSecret;
        CipherSuiteNumber = context.SecurityParameters.CipherSuite;
        KeyingMaterial = context.ExportKeyingMaterial(DtlsSrtpKeys.ExporterLabel, null, profile.KeyingMaterialLength);
    }

    public void ClearSecrets()
    {
        if (KeyingMaterial is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(KeyingMaterial);
        }
    }
}
