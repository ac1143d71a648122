namespace CallBot.Signaling.Xmpp;

public enum XmppTlsMode
{
    /// <summary>TCP: plain connect, then STARTTLS (RFC 6120 §5); the connection fails if the server does not offer it.</summary>
    StartTls,
    /// <summary>TCP: TLS from the first byte (XEP-0368 style direct TLS).</summary>
    DirectTls,
    /// <summary>No TLS on TCP. Only for loopback tests; refused for any other host.</summary>
    None,
}

public enum OfflineSendPolicy
{
    /// <summary>Sends while offline wait in a bounded queue and go out, in order, after the next login.</summary>
    Queue,
    /// <summary>Sends while offline throw <see cref="XmppOfflineException"/> at once.</summary>
    FailFast,
}

public sealed class XmppClientOptions
{
    /// <summary><c>ws://host:port/path</c>, <c>wss://host:port/path</c> (RFC 7395) or <c>tcp://host:port</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>TCP only; WebSocket security follows the URL scheme.</summary>
    public XmppTlsMode TlsMode { get; set; } = XmppTlsMode.StartTls;

    /// <summary>The XMPP domain the stream is opened to; defaults to the endpoint host.</summary>
    public string? Domain { get; set; }

    /// <summary>Local part of the JID, for ConnectyCube <c>userId-appId</c>.</summary>
    public string UserName { get; set; } = string.Empty;

    /// <summary>Never logged.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>When set, asked for the password before every login (a session token that can expire); <see cref="Password"/> is unused.</summary>
    public IXmppPasswordSource? PasswordSource { get; set; }

    /// <summary>Requested resource; the server's choice when null.</summary>
    public string? Resource { get; set; }

    /// <summary>PEM or DER file of a certificate (CA or self-signed leaf) trusted in addition to the system store.</summary>
    public string? TrustedCertificatePath { get; set; }

    /// <summary>Turns certificate validation off (a warning is logged when the client starts). Tests of the failure path only; never set in production.</summary>
    public bool DangerousAcceptAnyServerCertificate { get; set; }

    /// <summary>
    /// Allows <c>ws://</c>, or <c>tcp://</c> with <see cref="XmppTlsMode.None"/>, to a host that is not loopback. Off by
    /// default: the SDP (with the DTLS fingerprints that authenticate media) would travel in clear, open to a MITM.
    /// </summary>
    public bool AllowUnencrypted { get; set; }

    /// <summary>A frame (stanza, or WebSocket message) larger than this closes the stream.</summary>
    public int MaxStanzaBytes { get; set; } = 256 * 1024;

    public OfflineSendPolicy OfflineSendPolicy { get; set; } = OfflineSendPolicy.Queue;

    /// <summary>Most stanzas held while offline; one more fails with <see cref="XmppSendQueueFullException"/>.</summary>
    public int OfflineQueueCapacity { get; set; } = 256;

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubles with jitter up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Client ping (XEP-0199) when nothing was received for this long; <see cref="TimeSpan.Zero"/> disables.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keepalive ping may wait before the connection counts as stalled and is dropped.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Send initial presence after bind; headline messages reach only available resources.</summary>
    public bool SendInitialPresence { get; set; } = true;

    /// <summary>Use XEP-0198 when the server offers it: acks, and resuming a dropped stream (messages that came
    /// meanwhile are delivered, unacknowledged sends are resent).</summary>
    public bool EnableStreamManagement { get; set; } = true;

    internal void Validate()
    {
        if (Endpoint is null)
        {
            throw new ArgumentException("XmppClientOptions.Endpoint is required.");
        }
        if (Endpoint.Scheme is not ("ws" or "wss" or "tcp"))
        {
            throw new ArgumentException($"Unsupported XMPP endpoint scheme '{Endpoint.Scheme}'; use ws://, wss:// or tcp://.");
        }
        if (string.IsNullOrEmpty(UserName))
        {
            throw new ArgumentException("XmppClientOptions.UserName is required.");
        }
        if (!IsEncryptedOrLoopback && !AllowUnencrypted)
        {
            throw new ArgumentException(
                $"{Endpoint.Scheme}:// without TLS is allowed only for loopback endpoints (SDP fingerprints would travel in clear); "
                + "use wss:// or TLS, or set AllowUnencrypted explicitly.");
        }
        if (MaxStanzaBytes < 1024)
        {
            throw new ArgumentException("XmppClientOptions.MaxStanzaBytes must be at least 1024.");
        }
        if (OfflineQueueCapacity < 1)
        {
            throw new ArgumentException("XmppClientOptions.OfflineQueueCapacity must be at least 1.");
        }
    }

    internal string EffectiveDomain => Domain ?? Endpoint!.Host;

    /// <summary>The endpoint is wss://, tcp:// with TLS, or on loopback.</summary>
    internal bool IsEncryptedOrLoopback =>
        Endpoint!.IsLoopback || Endpoint.Scheme switch
        {
            "wss" => true,
            "tcp" => TlsMode != XmppTlsMode.None,
            _ => false,
        };
}
