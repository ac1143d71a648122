using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CallBot.Rtc.Dtls;

/// <summary>BouncyCastle DTLS 1.2 server: requires a client certificate (checked against SDP) and selects the SRTP profile.</summary>
internal sealed class DtlsSrtpServer : DefaultTlsServer
{
    private readonly DtlsPeerState _state;

    public DtlsSrtpServer(DtlsPeerState state, BcTlsCrypto crypto)
        : base(crypto)
    {
        _state = state;
    }

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        _state.SelectProfile(TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions));
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions() ?? new Dictionary<int, byte[]>();
        var profile = _state.SelectedProfile ?? throw new TlsFatalAlert(AlertDescription.internal_error);
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([profile.ProtectionProfileId], []));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest()
    {
        var signatureAlgorithms = TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context);
        return new CertificateRequest([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], signatureAlgorithms, null);
    }

    public override void NotifyClientCertificate(Certificate clientCertificate) => _state.VerifyPeerCertificate(clientCertificate);

    public override int GetHandshakeTimeoutMillis() => (int)_state.Options.HandshakeTimeout.TotalMilliseconds;

    public override int GetHandshakeResendTimeMillis() => (int)_state.InitialRetransmitTimeout.TotalMilliseconds;

    public override bool RequiresExtendedMasterSecret() => _state.Options.RequireExtendedMasterSecret;

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        base.NotifyAlertReceived(alertLevel, alertDescription);
        _state.AlertReceived?.Invoke(alertLevel, alertDescription);
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        _state.OnHandshakeComplete(m_context);
    }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => _state.ServerCipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => _state.CreateSigner(m_context);

    protected override TlsCredentialedSigner GetRsaSignerCredentials() => _state.CreateSigner(m_context);
}
