using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CallBot.Rtc.Dtls;

/// <summary>BouncyCastle DTLS 1.2 server: requires a client certificate (checked against SDP) and selects the SRTP profile.</summary>
internal sealed class DtlsSrtpServer : DefaultTlsServer
{
    private readonly DtlsPeerState state;

    public DtlsSrtpServer(DtlsPeerState state, BcTlsCrypto crypto)
        : base(crypto)
    {
        this.state = state;
    }

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        state.SelectProfile(TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions));
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        var extensions = base.GetServerExtensions() ?? new Dictionary<int, byte[]>();
        var profile = state.SelectedProfile ?? throw new TlsFatalAlert(AlertDescription.internal_error);
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([profile.ProtectionProfileId], []));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest()
    {
        var signatureAlgorithms = TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context);
        return new CertificateRequest([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], signatureAlgorithms, null);
    }

    public override void NotifyClientCertificate(Certificate clientCertificate) => state.VerifyPeerCertificate(clientCertificate);

    public override int GetHandshakeTimeoutMillis() => (int)state.Options.HandshakeTimeout.TotalMilliseconds;

    public override int GetHandshakeResendTimeMillis() => (int)state.InitialRetransmitTimeout.TotalMilliseconds;

    public override bool RequiresExtendedMasterSecret() => state.Options.RequireExtendedMasterSecret;

    public override void NotifyAlertReceived(short alertLevel, short alertDescription)
    {
        base.NotifyAlertReceived(alertLevel, alertDescription);
        state.AlertReceived?.Invoke(alertLevel, alertDescription);
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        state.OnHandshakeComplete(m_context);
    }

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => state.ServerCipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => state.CreateSigner(m_context);

    protected override TlsCredentialedSigner GetRsaSignerCredentials() => state.CreateSigner(m_context);
}
