using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;

namespace CallBot.Signaling.Xmpp.Transports;

/// <summary>RFC 6120 over TCP: STARTTLS or direct TLS through <see cref="SslStream"/>, frames cut by <see cref="XmlStreamFramer"/>.</summary>
internal sealed class TcpXmppTransport(XmppClientOptions options, CertificateTrust trust) : IXmppTransport
{
    private readonly XmlStreamFramer _framer = new(options.MaxStanzaBytes);
    private readonly string _host = options.Endpoint!.Host;
    private readonly int _port = options.Endpoint!.Port;
    private TcpClient? _tcp;
    private Stream? _stream;
    private SslStream? _ssl;
    private PipeReader? _reader;
    private string _readState = "not connected";

    public bool IsEncrypted => _ssl is not null;

    public bool SupportsStartTls => _ssl is null;

    public string ReadState => _readState;

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _tcp = new TcpClient { NoDelay = true };
        _readState = "connecting";
        await _tcp.ConnectAsync(_host, _port, cancellationToken).ConfigureAwait(false);
        _stream = _tcp.GetStream();
        if (options.TlsMode == XmppTlsMode.DirectTls)
        {
            await UpgradeAsync(cancellationToken).ConfigureAwait(false);
        }
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    public async Task OpenStreamAsync(string domain, CancellationToken cancellationToken)
    {
        _framer.Reset();
        string header = "<?xml version='1.0'?><stream:stream to='" + System.Security.SecurityElement.Escape(domain)
            + "' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
        await SendAsync(header, cancellationToken).ConfigureAwait(false);
    }

    public async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        // Nothing may follow <proceed/> in clear text; drop the old reader without closing the socket.
        await _reader!.CompleteAsync().ConfigureAwait(false);
        await UpgradeAsync(cancellationToken).ConfigureAwait(false);
        _reader = PipeReader.Create(_stream!, new StreamPipeReaderOptions(leaveOpen: true));
    }

    private async Task UpgradeAsync(CancellationToken cancellationToken)
    {
        _readState = "TLS handshake";
        _ssl = new SslStream(_stream!, leaveInnerStreamOpen: false);
        var auth = new SslClientAuthenticationOptions
        {
            TargetHost = _host,
            RemoteCertificateValidationCallback = trust.Validate,
        };
        try
        {
            await _ssl.AuthenticateAsClientAsync(auth, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            throw new XmppStreamException($"TLS handshake with {_host} failed: {trust.LastFailure ?? ex.Message}", ex);
        }
        _stream = _ssl;
    }

    public async Task SendAsync(string xml, CancellationToken cancellationToken)
    {
        var stream = _stream ?? throw new XmppStreamException("not connected");
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(xml.Length));
        try
        {
            int n = Encoding.UTF8.GetBytes(xml, rented);
            await stream.WriteAsync(rented.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new XmppStreamException("write failed: " + ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public async ValueTask<XElement?> ReadElementAsync(CancellationToken cancellationToken)
    {
        var reader = _reader ?? throw new XmppStreamException("not connected");
        while (true)
        {
            _readState = "awaiting bytes";
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new XmppStreamException("read failed: " + ex.Message, ex);
            }
            var buffer = result.Buffer;
            _readState = $"framing {buffer.Length} buffered bytes";
            var status = _framer.TryReadFrame(ref buffer, out var kind, out var frame, out var error);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new XmppStreamException(error == XmlFramingError.TooLarge
                    ? $"incoming stanza exceeds {_framer.MaxFrameBytes} bytes"
                    : $"malformed XML from the server ({error})", badInput: true);
            }
            if (status == System.Buffers.OperationStatus.NeedMoreData)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    _readState = "closed by peer";
                    return null;
                }
                continue;
            }
            XElement? element = null;
            string? parseError = null;
            bool parsed = kind switch
            {
                XmlFrameKind.StreamHeader => XmppElementParser.TryParseStreamHeader(frame, out _, out parseError),
                XmlFrameKind.Element => XmppElementParser.TryParse(frame, out element, out parseError),
                _ => true,
            };
            reader.AdvanceTo(buffer.Start);
            if (!parsed)
            {
                throw new XmppStreamException("malformed XML from the server: " + parseError, badInput: true);
            }
            if (kind == XmlFrameKind.StreamEnd)
            {
                _readState = "stream ended by peer";
                return null;
            }
            if (element is not null)
            {
                return element;
            }
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_stream is null)
        {
            return;
        }
        try
        {
            await SendAsync("</stream:stream>", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmppStreamException or ObjectDisposedException or OperationCanceledException or NotSupportedException)
        {
            // Best effort on a connection that may already be gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _readState = "disposed";
        if (_reader is not null)
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
        if (_ssl is not null)
        {
            await _ssl.DisposeAsync().ConfigureAwait(false);
        }
        _tcp?.Dispose();
    }
}
