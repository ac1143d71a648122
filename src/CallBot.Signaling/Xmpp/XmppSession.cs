using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using CallBot.Signaling.Xmpp.Sasl;
using CallBot.Signaling.Xmpp.Transports;
using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.Xmpp;

/// <summary>
/// One connection from TCP/WebSocket connect to its end: negotiation (RFC 6120 §4–§7: STARTTLS, SASL, bind),
/// then the read loop that dispatches messages, answers pings and completes IQ requests.
/// </summary>
internal sealed class XmppSession : IAsyncDisposable
{
    private readonly IXmppTransport _transport;
    private readonly XmppClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, PendingIq> _pendingIq = new(StringComparer.Ordinal);
    private readonly List<XElement> _early = [];
    private readonly Action<string>? _refused;
    private long _lastReceivedTicks;

    private readonly StreamManagementState? _sm;
    private readonly string? _password;
    private bool _smActive;

    /// <param name="refused">Called with a reason for every input refused while the stream goes on (the host counts them).</param>
    /// <param name="password">The password or session token for this connection (null: <see cref="XmppClientOptions.Password"/>).</param>
    public XmppSession(IXmppTransport transport, XmppClientOptions options, TimeProvider time, ILogger logger, StreamManagementState? sm = null,
        Action<string>? refused = null, string? password = null)
    {
        _refused = refused;
        _sm = sm;
        _password = password;
        _transport = transport;
        _options = options;
        _time = time;
        _logger = logger;
        _lastReceivedTicks = time.GetTimestamp();
    }

    public string Jid { get; private set; } = string.Empty;

    public string TransportName => _options.Endpoint!.Scheme + (_transport.IsEncrypted ? "+tls" : string.Empty);

    public string ReadState => _transport.ReadState;

    /// <summary>This connection continued a previous session (XEP-0198 resume): no bind, no presence, same JID.</summary>
    public bool Resumed { get; private set; }

    public TimeSpan SinceLastReceive => _time.GetElapsedTime(Interlocked.Read(ref _lastReceivedTicks));

    public async Task NegotiateAsync(CancellationToken ct)
    {
        string domain = _options.EffectiveDomain;
        await _transport.ConnectAsync(ct).ConfigureAwait(false);
        await _transport.OpenStreamAsync(domain, ct).ConfigureAwait(false);
        var features = await ReadFeaturesAsync(ct).ConfigureAwait(false);

        if (_options.Endpoint!.Scheme == "tcp" && !_transport.IsEncrypted && _options.TlsMode == XmppTlsMode.StartTls)
        {
            if (features.Element(XmppNamespaces.Tls + "starttls") is null)
            {
                throw new XmppStreamException("server does not offer STARTTLS and TlsMode is StartTls");
            }
            await SendRawAsync(new XElement(XmppNamespaces.Tls + "starttls"), ct).ConfigureAwait(false);
            var answer = await ReadRequiredAsync(ct).ConfigureAwait(false);
            if (answer.Name != XmppNamespaces.Tls + "proceed")
            {
                throw new XmppStreamException("STARTTLS refused: " + answer.Name.LocalName);
            }
            await _transport.StartTlsAsync(ct).ConfigureAwait(false);
            await _transport.OpenStreamAsync(domain, ct).ConfigureAwait(false);
            features = await ReadFeaturesAsync(ct).ConfigureAwait(false);
        }

        await AuthenticateAsync(features, ct).ConfigureAwait(false);
        await _transport.OpenStreamAsync(domain, ct).ConfigureAwait(false);
        features = await ReadFeaturesAsync(ct).ConfigureAwait(false);
        bool smOffered = _sm is not null && features.Element(XmppNamespaces.StreamManagement + "sm") is not null;
        if (smOffered && _sm!.ResumeId is not null && await TryResumeAsync(ct).ConfigureAwait(false))
        {
            return;
        }
        // A new session: whatever the old one sent without an ack goes out again below.
        string[] notDelivered = _sm?.Reset() ?? [];
        await BindAsync(features, ct).ConfigureAwait(false);
        if (smOffered)
        {
            await EnableStreamManagementAsync(ct).ConfigureAwait(false);
        }
        foreach (string xml in notDelivered)
        {
            // The old session died before the server acknowledged these; a duplicate beats a loss.
            await SendSerializedAsync(xml, ct).ConfigureAwait(false);
        }
        if (_options.SendInitialPresence)
        {
            await SendRawAsync(new XElement(XmppNamespaces.Client + "presence"), ct).ConfigureAwait(false);
            // The server handles one session's stanzas in order: once this ping is answered, the presence took effect
            // and headlines to our bare JID reach us. Without it, "online" races the presence on the wire.
            await RequestDuringNegotiationAsync("get", new XElement(XmppNamespaces.Ping + "ping"), ct, acceptError: true).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryResumeAsync(CancellationToken ct)
    {
        await SendNonzaAsync(new XElement(XmppNamespaces.StreamManagement + "resume",
            new XAttribute("previd", _sm!.ResumeId!), new XAttribute("h", _sm.Inbound)), ct).ConfigureAwait(false);
        var answer = await ReadRequiredAsync(ct).ConfigureAwait(false);
        if (answer.Name != XmppNamespaces.StreamManagement + "resumed")
        {
            return false;
        }
        uint h = uint.TryParse((string?)answer.Attribute("h"), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out uint parsed) ? parsed : 0;
        string[] resend = _sm.TakeUnsentAfterResume(h);
        Jid = _sm.ResumeJid;
        Resumed = true;
        _smActive = true;
        foreach (string xml in resend)
        {
            await SendSerializedAsync(xml, ct).ConfigureAwait(false);
        }
        return true;
    }

    private async Task EnableStreamManagementAsync(CancellationToken ct)
    {
        await SendNonzaAsync(new XElement(XmppNamespaces.StreamManagement + "enable", new XAttribute("resume", "true")), ct).ConfigureAwait(false);
        var answer = await ReadRequiredAsync(ct).ConfigureAwait(false);
        if (answer.Name != XmppNamespaces.StreamManagement + "enabled")
        {
            return; // <failed/>: carry on without acks.
        }
        string? resume = (string?)answer.Attribute("resume");
        _sm!.OnEnabled(resume is "true" or "1" ? (string?)answer.Attribute("id") : null, Jid);
        _smActive = true;
    }

    private async Task AuthenticateAsync(XElement features, CancellationToken ct)
    {
        // PLAIN only where the password cannot be read on the way: TLS, or a loopback endpoint.
        bool allowPlain = _transport.IsEncrypted || _options.Endpoint!.IsLoopback;
        string mechanism = await SaslExchange.RunAsync(features, _options.UserName, _password ?? _options.Password, allowPlain,
            SendRawAsync, ReadRequiredAsync, ct).ConfigureAwait(false);
        XmppLog.Authenticated(_logger, mechanism);
    }

    private async Task BindAsync(XElement features, CancellationToken ct)
    {
        if (features.Element(XmppNamespaces.Bind + "bind") is null)
        {
            throw new XmppStreamException("server offers no resource binding");
        }
        var bind = new XElement(XmppNamespaces.Bind + "bind");
        _early.Clear();
        if (!string.IsNullOrEmpty(_options.Resource))
        {
            bind.Add(new XElement(XmppNamespaces.Bind + "resource", _options.Resource));
        }
        var result = await RequestDuringNegotiationAsync("set", bind, ct).ConfigureAwait(false);
        Jid = result.Element(XmppNamespaces.Bind + "bind")?.Element(XmppNamespaces.Bind + "jid")?.Value
            ?? throw new XmppStreamException("bind result carries no JID");
        var session = features.Element(XmppNamespaces.Session + "session");
        if (session is not null && session.Element(XmppNamespaces.Session + "optional") is null)
        {
            // RFC 3921 session establishment, for old servers that still require it.
            await RequestDuringNegotiationAsync("set", new XElement(XmppNamespaces.Session + "session"), ct).ConfigureAwait(false);
        }
    }

    private async Task<XElement> RequestDuringNegotiationAsync(string type, XElement payload, CancellationToken ct, bool acceptError = false)
    {
        string id = NextId();
        await SendRawAsync(new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", type), new XAttribute("id", id), payload), ct).ConfigureAwait(false);
        while (true)
        {
            var answer = await ReadRequiredAsync(ct).ConfigureAwait(false);
            if (answer.Name == XmppNamespaces.Client + "message")
            {
                _early.Add(answer);
                continue;
            }
            if (answer.Name != XmppNamespaces.Client + "iq" || (string?)answer.Attribute("id") != id)
            {
                continue;
            }
            if (!IsReplyFrom(null, (string?)answer.Attribute("from")))
            {
                Refuse("iq-result-from-mismatch", "iq");
                continue;
            }
            if ((string?)answer.Attribute("type") == "result" || acceptError)
            {
                return answer;
            }
            throw new XmppStreamException($"{payload.Name.LocalName} refused: {answer.Element(XmppNamespaces.Client + "error")?.Elements().FirstOrDefault()?.Name.LocalName}");
        }
    }

    private async Task<XElement> ReadFeaturesAsync(CancellationToken ct)
    {
        var element = await ReadRequiredAsync(ct).ConfigureAwait(false);
        if (element.Name != XmppNamespaces.Streams + "features")
        {
            throw new XmppStreamException("expected stream features, got " + element.Name);
        }
        return element;
    }

    private async Task<XElement> ReadRequiredAsync(CancellationToken ct)
    {
        var element = await _transport.ReadElementAsync(ct).ConfigureAwait(false)
            ?? throw new XmppStreamException("server closed the stream during negotiation");
        Touch();
        ThrowIfStreamError(element);
        CountIfStanza(element);
        return element;
    }

    private static void ThrowIfStreamError(XElement element)
    {
        if (element.Name == XmppNamespaces.Streams + "error")
        {
            string condition = element.Elements().FirstOrDefault(e => e.Name.Namespace == XmppNamespaces.StreamErrors && e.Name.LocalName != "text")?.Name.LocalName ?? "undefined-condition";
            throw new XmppStreamException("stream error from server: " + condition);
        }
    }

    /// <summary>Reads until the stream ends; always ends with an exception that says why.</summary>
    public async Task RunAsync(Action<XElement> onMessage, CancellationToken ct)
    {
        foreach (var early in _early)
        {
            onMessage(early);
        }
        _early.Clear();
        while (true)
        {
            var element = await _transport.ReadElementAsync(ct).ConfigureAwait(false)
                ?? throw new XmppStreamException("server closed the stream");
            Touch();
            if (element.Name.Namespace == XmppNamespaces.Refused)
            {
                OnRefused(element);
                continue;
            }
            ThrowIfStreamError(element);
            CountIfStanza(element);
            if (element.Name == XmppNamespaces.StreamManagement + "r")
            {
                await SendNonzaAsync(new XElement(XmppNamespaces.StreamManagement + "a", new XAttribute("h", _sm!.Inbound)), ct).ConfigureAwait(false);
            }
            else if (element.Name == XmppNamespaces.StreamManagement + "a")
            {
                if (uint.TryParse((string?)element.Attribute("h"), System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out uint h))
                {
                    _sm?.Ack(h);
                }
            }
            else if (element.Name == XmppNamespaces.Client + "message")
            {
                onMessage(element);
            }
            else if (element.Name == XmppNamespaces.Client + "iq")
            {
                await HandleIqAsync(element, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A refused element still counts for XEP-0198 when it was a stanza: the server counted it as sent.</summary>
    private void OnRefused(XElement refusal)
    {
        string name = (string?)refusal.Attribute("name") ?? string.Empty;
        string reason = (string?)refusal.Attribute("reason") ?? "refused";
        if (_smActive && name is "message" or "presence" or "iq")
        {
            _sm!.CountInbound();
        }
        Refuse(reason, name);
    }

    private void Refuse(string reason, string element)
    {
        XmppLog.Refused(_logger, reason, LogText.Truncate(element, 32)!);
        _refused?.Invoke(reason);
    }

    private async Task HandleIqAsync(XElement iq, CancellationToken ct)
    {
        string type = (string?)iq.Attribute("type") ?? string.Empty;
        string? id = (string?)iq.Attribute("id");
        if (type is "result" or "error")
        {
            if (id is not null && _pendingIq.TryGetValue(id, out var pending))
            {
                if (!IsReplyFrom(pending.To, (string?)iq.Attribute("from")))
                {
                    // Someone else answering our request (a guessed id): ignored; the real answer may still come.
                    Refuse("iq-result-from-mismatch", "iq");
                    return;
                }
                if (_pendingIq.TryRemove(id, out _))
                {
                    pending.Completion.TrySetResult(iq);
                }
            }
            return;
        }
        if (type is not ("get" or "set") || id is null)
        {
            return;
        }
        var reply = new XElement(XmppNamespaces.Client + "iq", new XAttribute("id", id));
        if (iq.Attribute("from") is { } from)
        {
            reply.Add(new XAttribute("to", from.Value));
        }
        if (type == "get" && iq.Element(XmppNamespaces.Ping + "ping") is not null)
        {
            reply.Add(new XAttribute("type", "result"));
        }
        else
        {
            // RFC 6120 §8.4: an IQ we do not understand gets service-unavailable, never silence.
            reply.Add(new XAttribute("type", "error"), new XElement(XmppNamespaces.Client + "error", new XAttribute("type", "cancel"),
                new XElement(XmppNamespaces.Stanzas + "service-unavailable")));
        }
        await SendRawAsync(reply, ct).ConfigureAwait(false);
    }

    public async Task PingAsync(TimeSpan timeout, CancellationToken ct)
    {
        string id = NextId();
        string to = _options.EffectiveDomain;
        var pending = new PendingIq(to);
        _pendingIq[id] = pending;
        try
        {
            await SendRawAsync(new XElement(XmppNamespaces.Client + "iq", new XAttribute("type", "get"), new XAttribute("id", id),
                new XAttribute("to", to), new XElement(XmppNamespaces.Ping + "ping")), ct).ConfigureAwait(false);
            // An error reply (e.g. service-unavailable) still proves the server is there (XEP-0199 §4.2).
            await pending.Completion.Task.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
        }
        finally
        {
            _pendingIq.TryRemove(id, out _);
        }
    }

    public Task SendAsync(XElement stanza, CancellationToken ct) => SendRawAsync(stanza, ct);

    /// <summary>Sends a stanza; with XEP-0198 active it is tracked until acknowledged, and a message asks for an ack.</summary>
    public async Task SendSerializedAsync(string xml, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await _transport.SendAsync(xml, ct).ConfigureAwait(false);
            if (_smActive)
            {
                _sm!.TrackOutbound(xml);
                if (xml.StartsWith("<message", StringComparison.Ordinal))
                {
                    await _transport.SendAsync("<r xmlns='urn:xmpp:sm:3'/>", ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private Task SendRawAsync(XElement element, CancellationToken ct) => SendSerializedAsync(XmppStanzaText.Serialize(element), ct);

    /// <summary>Stream-level elements (SM's enable/resume/r/a): never counted as stanzas.</summary>
    private Task SendNonzaAsync(XElement element, CancellationToken ct) =>
        WriteExclusiveAsync(t => _transport.SendAsync(XmppStanzaText.Serialize(element), t), ct);

    private async Task WriteExclusiveAsync(Func<CancellationToken, Task> write, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await write(ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void CountIfStanza(XElement element)
    {
        if (_smActive && element.Name.Namespace == XmppNamespaces.Client && element.Name.LocalName is "message" or "presence" or "iq")
        {
            _sm!.CountInbound();
        }
    }

    /// <summary>Test hook: drop the connection without closing the stream, like a network cut.</summary>
    internal ValueTask AbortAsync() => _transport.DisposeAsync();

    /// <summary>128 random bits: another entity cannot guess an id to answer a request of ours in the server's place.</summary>
    private static string NextId() => RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>
    /// RFC 6120 §8.1.2.1: the reply comes from whom the request went to. A request without <c>to</c> is handled by the
    /// server for our account: its reply has no <c>from</c>, or our bare or full JID, or (some servers) the domain.
    /// The server stamps <c>from</c> on everything another entity sends, so an absent <c>from</c> is the server's.
    /// </summary>
    private bool IsReplyFrom(string? to, string? from)
    {
        if (from is null)
        {
            return true;
        }
        if (to is not null)
        {
            return string.Equals(from, to, StringComparison.OrdinalIgnoreCase);
        }
        return string.Equals(from, _options.EffectiveDomain, StringComparison.OrdinalIgnoreCase)
            || (Jid.Length > 0 && (string.Equals(from, Jid, StringComparison.Ordinal) || string.Equals(from, ConnectyCube.ChatJid.Bare(Jid), StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>An IQ request of ours waiting for its reply, and whom it went to (null: the server, for our account).</summary>
    private sealed class PendingIq(string? to)
    {
        public string? To { get; } = to;
        public TaskCompletionSource<XElement> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void Touch() => Interlocked.Exchange(ref _lastReceivedTicks, _time.GetTimestamp());

    public Task CloseAsync(CancellationToken ct) => WriteExclusiveAsync(_transport.CloseAsync, ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var pending in _pendingIq.Values)
        {
            pending.Completion.TrySetException(new XmppStreamException("connection closed"));
        }
        _pendingIq.Clear();
        // The write lock is not disposed: a late sender must see the transport's own error, not ObjectDisposedException.
        await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
