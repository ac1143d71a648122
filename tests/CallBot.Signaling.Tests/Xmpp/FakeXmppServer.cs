using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CallBot.Signaling.Xmpp;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>
/// A scripted XMPP server on a loopback port, plain TCP, PLAIN auth: it lets the client log in, then sends what the
/// test gives for that connection (by index), e.g. malformed XML or a 10 MiB stanza. For server-side faults that a
/// well-behaved Prosody will not produce.
/// </summary>
internal sealed class FakeXmppServer : IAsyncDisposable
{
    public const string BoundJid = "1-7@localhost/fake";
    private const string Header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='localhost' version='1.0'>";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, byte[]> _afterLogin;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _accepted;

    private readonly Func<int, bool> _answerPingsAfterLogin;

    /// <param name="afterLogin">Bytes sent once the client on connection N is logged in.</param>
    /// <param name="answerPingsAfterLogin">False makes connection N go silent after login (a stalled link).</param>
    public FakeXmppServer(Func<int, byte[]> afterLogin, Func<int, bool>? answerPingsAfterLogin = null)
    {
        _afterLogin = afterLogin;
        _answerPingsAfterLogin = answerPingsAfterLogin ?? (_ => true);
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    public Uri Endpoint => new($"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public int Accepted => Volatile.Read(ref _accepted);

    public int UnansweredPings => Volatile.Read(ref _unansweredPings);

    /// <summary>The <c>from</c> of ping results after login; a test sets another entity's JID to play a spoofed reply.</summary>
    public string PingReplyFrom { get; set; } = "localhost";

    private int _unansweredPings;
    private readonly System.Threading.Channels.Channel<string> _fromClient = System.Threading.Channels.Channel.CreateUnbounded<string>();

    /// <summary>The first frame from the client (any connection) that matches, in arrival order.</summary>
    public async Task<string> NextFromClientAsync(Func<string, bool> match, CancellationToken ct)
    {
        while (true)
        {
            string frame = await _fromClient.Reader.ReadAsync(ct);
            if (match(frame))
            {
                return frame;
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                int index = Interlocked.Increment(ref _accepted) - 1;
                lock (_connections)
                {
                    _connections.Add(ServeAsync(tcp, index));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient tcp, int index)
    {
        using var connection = tcp;
        var stream = tcp.GetStream();
        var reader = PipeReader.Create(stream);
        var framer = new XmlStreamFramer(1 << 20);
        int headers = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stop.Token);
                var buffer = result.Buffer;
                while (framer.TryReadFrame(ref buffer, out var kind, out var frame, out _) == OperationStatus.Done)
                {
                    string text = Encoding.UTF8.GetString(frame);
                    _fromClient.Writer.TryWrite(text);
                    if (kind == XmlFrameKind.StreamHeader)
                    {
                        headers++;
                        await WriteAsync(stream, Header + (headers == 1
                            ? "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
                            : "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"));
                    }
                    else if (text.StartsWith("<auth", StringComparison.Ordinal))
                    {
                        framer.Reset();
                        await WriteAsync(stream, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
                    }
                    else if (text.Contains("xmpp-bind", StringComparison.Ordinal))
                    {
                        await WriteAsync(stream, $"<iq type='result' id='{IdOf(text)}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{BoundJid}</jid></bind></iq>");
                    }
                    else if (text.Contains("urn:xmpp:ping", StringComparison.Ordinal) && text.Contains("type=\"get\"", StringComparison.Ordinal))
                    {
                        if (headers == 2 || _answerPingsAfterLogin(index))
                        {
                            await WriteAsync(stream, $"<iq type='result' id='{IdOf(text)}' from='{(headers == 2 ? "localhost" : PingReplyFrom)}'/>");
                        }
                        else
                        {
                            Interlocked.Increment(ref _unansweredPings);
                        }
                        if (headers == 2)
                        {
                            headers++;
                            await stream.WriteAsync(_afterLogin(index), _stop.Token);
                        }
                    }
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            // The client hung up (as it should after a fault) or the test ended.
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private static string IdOf(string stanza)
    {
        int at = stanza.IndexOf("id=\"", StringComparison.Ordinal) + 4;
        return stanza[at..stanza.IndexOf('"', at)];
    }

    private Task WriteAsync(NetworkStream stream, string xml) => stream.WriteAsync(Encoding.UTF8.GetBytes(xml), _stop.Token).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }
        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
