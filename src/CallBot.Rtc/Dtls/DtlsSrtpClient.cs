using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace CallBot.Rtc.Dtls;

/// <summary>BouncyCastle DTLS 1.2 client offering use_srtp and checking the server's certificate against SDP.</summary>
internal sealed class DtlsSrtpClient : DefaultTlsClient
{
    private readonly DtlsPeerState _state;

    public DtlsSrtpClient(DtlsPeerState state, BcTlsCrypto crypto)
        : base(crypto)
    {
        _state = state;
    }

    /// <summary>Extra ClientHello extensions (tests use it to imitate newer browsers).</summary>
    public IReadOnlyDictionary<int, byte[]>? ExtraExtensions { get; init; }

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        var extensions = base.GetClientExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(_state.OfferedProfileIds(), []));
        if (ExtraExtensions is not null)
        {
            foreach (var (type, data) in ExtraExtensions)
            {
                extensions[type] = data;
            }
        }

        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        _state.AcceptProfile(TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions));
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

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

    protected override int[] GetSupportedCipherSuites() => DtlsPeerState.ClientCipherSuites;

    private sealed class Authentication(DtlsSrtpClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            client._state.VerifyPeerCertificate(serverCertificate.Certificate);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) => client._state.CreateSigner(client.m_context);
    }
}
