using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp.Transports;

/// <summary>
/// One connection carrying XMPP streams: TCP (RFC 6120) or WebSocket (RFC 7395). Hides the framing differences:
/// the stream header / <c>&lt;open/&gt;</c> is consumed here, and the caller sees first-level elements only.
/// Faults surface as <see cref="XmppStreamException"/>.
/// </summary>
internal interface IXmppTransport : IAsyncDisposable
{
    bool IsEncrypted { get; }

    bool SupportsStartTls { get; }

    /// <summary>What the reader is doing right now, for stalled-connection diagnostics.</summary>
    string ReadState { get; }

    Task ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Opens (or restarts) the stream to <paramref name="domain"/>.</summary>
    Task OpenStreamAsync(string domain, CancellationToken cancellationToken);

    /// <summary>Upgrades the TCP connection after <c>&lt;proceed/&gt;</c>.</summary>
    Task StartTlsAsync(CancellationToken cancellationToken);

    /// <summary>Sends one serialized element. Writes are serialized by the caller.</summary>
    Task SendAsync(string xml, CancellationToken cancellationToken);

    /// <summary>The next first-level element, or null when the peer ended the stream or closed the connection.</summary>
    ValueTask<XElement?> ReadElementAsync(CancellationToken cancellationToken);

    /// <summary>Ends the stream politely (best effort).</summary>
    Task CloseAsync(CancellationToken cancellationToken);
}
