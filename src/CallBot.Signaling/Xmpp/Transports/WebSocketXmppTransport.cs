using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp.Transports;

/// <summary>
/// RFC 7395: subprotocol <c>xmpp</c>, one complete element per text message, the stream opened with
/// <c>&lt;open xmlns="urn:ietf:params:xml:ns:xmpp-framing"/&gt;</c> and ended with <c>&lt;close/&gt;</c>.
/// </summary>
internal sealed class WebSocketXmppTransport(XmppClientOptions options, CertificateTrust trust) : IXmppTransport
{
    public const string SubProtocol = "xmpp";
    private const int ReceiveChunkBytes = 16 * 1024;

    private readonly ClientWebSocket _socket = new();
    private readonly ArrayBufferWriter<byte> _message = new(ReceiveChunkBytes);
    private readonly int _maxMessageBytes = options.MaxStanzaBytes;
    private readonly XmlStreamFramer _framer = new(options.MaxStanzaBytes, elementsOnly: true);
    private string _readState = "not connected";

    public bool IsEncrypted => options.Endpoint!.Scheme == "wss";

    public bool SupportsStartTls => false;

    public string ReadState => _readState;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _socket.Options.AddSubProtocol(SubProtocol);
        _socket.Options.KeepAliveInterval = TimeSpan.Zero; // XMPP pings keep the stream alive.
        if (IsEncrypted)
        {
            _socket.Options.RemoteCertificateValidationCallback = trust.Validate;
        }
        _readState = "connecting";
        try
        {
            await _socket.ConnectAsync(options.Endpoint!, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new XmppStreamException($"WebSocket connect to {options.Endpoint} failed: {trust.LastFailure ?? ex.Message}", ex);
        }
        if (_socket.SubProtocol != SubProtocol)
        {
            throw new XmppStreamException($"server did not accept the '{SubProtocol}' WebSocket subprotocol (RFC 7395 §3.2)");
        }
    }

    public Task OpenStreamAsync(string domain, CancellationToken cancellationToken) =>
        SendAsync("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + System.Security.SecurityElement.Escape(domain) + "' version='1.0'/>", cancellationToken);

    public Task StartTlsAsync(CancellationToken cancellationToken) =>
        throw new XmppStreamException("STARTTLS is not used over WebSocket (RFC 7395 §3.3.5); use wss://");

    public async Task SendAsync(string xml, CancellationToken cancellationToken)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(xml.Length));
        try
        {
            int n = Encoding.UTF8.GetBytes(xml, rented);
            await _socket.SendAsync(rented.AsMemory(0, n), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        catch (WebSocketException ex)
        {
            throw new XmppStreamException("WebSocket send failed: " + ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new XmppStreamException("WebSocket send failed: " + ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public async ValueTask<XElement?> ReadElementAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            _message.ResetWrittenCount();
            ValueWebSocketReceiveResult result;
            do
            {
                _readState = $"awaiting WebSocket data ({_message.WrittenCount} bytes of a message so far)";
                var memory = _message.GetMemory(ReceiveChunkBytes);
                try
                {
                    result = await _socket.ReceiveAsync(memory, cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException ex)
                {
                    throw new XmppStreamException("WebSocket receive failed: " + ex.Message, ex);
                }
                catch (IOException ex)
                {
                    throw new XmppStreamException("WebSocket receive failed: " + ex.Message, ex);
                }
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _readState = "closed by peer";
                    return null;
                }
                _message.Advance(result.Count);
                if (_message.WrittenCount > _maxMessageBytes)
                {
                    throw new XmppStreamException($"incoming stanza exceeds {_maxMessageBytes} bytes", badInput: true);
                }
            }
            while (!result.EndOfMessage);

            if (result.MessageType != WebSocketMessageType.Text)
            {
                throw new XmppStreamException("binary WebSocket message; RFC 7395 §3.2 allows text only", badInput: true);
            }
            _readState = $"parsing a {_message.WrittenCount}-byte message";
            var check = CheckMessage(_framer, _message.WrittenMemory);
            if (check == XmlFramingError.TooDeep)
            {
                // The message boundary is known, so the stream survives: refuse this one element, before the XML parser
                // (whose time grows with the square of the depth) ever sees it, and read on.
                return Refusal(_message.WrittenSpan, "too-deep");
            }
            if (check != XmlFramingError.None)
            {
                throw new XmppStreamException("malformed XML from the server: " + check, badInput: true);
            }
            if (!XmppElementParser.TryParse(_message.WrittenMemory, out var element, out string? error))
            {
                throw new XmppStreamException("malformed XML from the server: " + error, badInput: true);
            }
            if (element!.Name == XmppNamespaces.Framing + "open")
            {
                continue;
            }
            if (element.Name == XmppNamespaces.Framing + "close")
            {
                _readState = "stream ended by peer";
                return null;
            }
            return element;
        }
    }

    /// <summary>
    /// The TCP framer's rules for one WebSocket message (RFC 7395 §3.3.3: exactly one element): depth at most
    /// <see cref="XmlStreamFramer.MaxDepth"/>, no comments, DTDs or processing instructions, nothing after the element.
    /// Linear in the message size.
    /// </summary>
    internal static XmlFramingError CheckMessage(XmlStreamFramer framer, ReadOnlyMemory<byte> message)
    {
        framer.Reset();
        var buffer = new ReadOnlySequence<byte>(message);
        var status = framer.TryReadFrame(ref buffer, out var kind, out _, out var error);
        if (status == OperationStatus.InvalidData)
        {
            return error;
        }
        if (status != OperationStatus.Done || kind != XmlFrameKind.Element)
        {
            return XmlFramingError.Malformed;
        }
        foreach (var segment in buffer)
        {
            foreach (byte b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return XmlFramingError.Malformed;
                }
            }
        }
        return XmlFramingError.None;
    }

    /// <summary>The marker handed to the session for a refused message, with the element's name (ASCII, cut at 32 chars).</summary>
    internal static XElement Refusal(ReadOnlySpan<byte> message, string reason)
    {
        var start = message.IndexOf((byte)'<') + 1;
        var end = start;
        while (end < message.Length && end - start < 32 && message[end] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'/' or (byte)'>'))
        {
            end++;
        }
        var name = Encoding.ASCII.GetString(message[start..end]);
        var colon = name.LastIndexOf(':');
        return new XElement(XmppNamespaces.Refused + "refused", new XAttribute("name", colon < 0 ? name : name[(colon + 1)..]), new XAttribute("reason", reason));
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_socket.State != WebSocketState.Open)
        {
            return;
        }
        try
        {
            await SendAsync("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", cancellationToken).ConfigureAwait(false);
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmppStreamException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort on a connection that may already be gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        _readState = "disposed";
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
