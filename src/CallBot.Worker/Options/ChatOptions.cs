using System.ComponentModel.DataAnnotations;
using CallBot.Signaling.Xmpp;

namespace CallBot.Worker.Options;

/// <summary>Chat (XMPP) connection shared by every bot of this process. Section <c>CallBot:Chat</c>.</summary>
public sealed class ChatOptions
{
    public const string Section = "CallBot:Chat";

    /// <summary><c>wss://host:port/path</c>, <c>ws://…</c> or <c>tcp://host:port</c>; empty = the embedded loopback hub.</summary>
    public string Endpoint { get; set; } = string.Empty;

    /// <summary>XMPP domain; defaults to the endpoint's host (the ConnectyCube SDK opens its stream to that host).</summary>
    public string? Domain { get; set; }

    /// <summary>ConnectyCube application id: the JID local part is <c>userId-appId</c>.</summary>
    [Range(1, int.MaxValue)]
    public int AppId { get; set; } = 1;

    /// <summary>A PEM file with a CA or server certificate to trust in addition to the system store.</summary>
    public string? TrustedCertificateFile { get; set; }

    /// <summary>TLS certificate validation. Only for local experiments; never in production (a warning is logged at start when off).</summary>
    public bool ValidateCertificates { get; set; } = true;

    /// <summary>
    /// Allow <c>ws://</c>, or <c>tcp://</c> with <c>TcpTls=None</c>, to a host that is not loopback. Off: the SDP and its
    /// DTLS fingerprints would cross the network in clear, so anyone on the path could take over the media.
    /// </summary>
    public bool AllowUnencrypted { get; set; }

    /// <summary>TLS on <c>tcp://</c> endpoints: <c>StartTls</c>, <c>DirectTls</c>, or <c>None</c> (loopback hosts only).</summary>
    public XmppTlsMode TcpTls { get; set; } = XmppTlsMode.StartTls;

    /// <summary>Max reconnect backoff (the SDK retries every 5 s; we back off exponentially with jitter up to this cap).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The endpoint is wss://, tcp:// with TLS, or on a loopback host (a clear-text link that never leaves the machine).</summary>
    public bool IsEncryptedOrLoopback(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.IsLoopback || endpoint.Scheme == "wss" || (endpoint.Scheme == "tcp" && TcpTls != XmppTlsMode.None);
    }

    public string ResolveDomain()
    {
        if (!string.IsNullOrWhiteSpace(Domain))
        {
            return Domain;
        }

        return Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) ? uri.Host : "localhost";
    }
}
