using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>
/// A scripted RFC 7395 server on a loopback port (ws://, PLAIN auth): it lets the client log in, then sends the
/// test's messages, each as one WebSocket text message, as fast as the socket takes them. Unlike a relay through
/// Prosody (which spends seconds on a deeply nested stanza itself), it shows what the client alone does with them.
/// </summary>
internal sealed class FakeWebSocketXmppServer : IAsyncDisposable
{
    public const string BoundJid = "1-7@localhost/fake";
    private const string Framing = "urn:ietf:params:xml:ns:xmpp-framing";

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyList<byte[]> _afterLogin;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeWebSocketXmppServer(IReadOnlyList<byte[]> afterLogin)
    {
        _afterLogin = afterLogin;
        _listener.Start();
        _serving = ServeOneAsync();
    }

    public Uri Endpoint => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/xmpp-websocket");

    /// <summary>Completes when the last scripted message has been handed to the socket.</summary>
    public TaskCompletionSource ScriptSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task ServeOneAsync()
    {
        try
        {
            using var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = tcp.GetStream();
            await UpgradeAsync(stream);
            using var socket = WebSocket.CreateFromStream(stream, isServer: true, subProtocol: "xmpp", keepAliveInterval: Timeout.InfiniteTimeSpan);
            var buffer = new byte[64 * 1024];
            var opens = 0;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                var text = Encoding.UTF8.GetString(buffer, 0, result.Count);
                if (text.StartsWith("<open", StringComparison.Ordinal))
                {
                    opens++;
                    await SendAsync(socket, $"<open xmlns='{Framing}' from='localhost' id='s{opens}' version='1.0'/>");
                    await SendAsync(socket, opens == 1
                        ? "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"
                        : "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
                }
                else if (text.StartsWith("<auth", StringComparison.Ordinal))
                {
                    await SendAsync(socket, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
                }
                else if (text.Contains("xmpp-bind", StringComparison.Ordinal))
                {
                    await SendAsync(socket, $"<iq xmlns='jabber:client' type='result' id='{IdOf(text)}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{BoundJid}</jid></bind></iq>");
                }
                else if (text.Contains("urn:xmpp:ping", StringComparison.Ordinal))
                {
                    await SendAsync(socket, $"<iq xmlns='jabber:client' type='result' id='{IdOf(text)}'/>");
                    if (!ScriptSent.Task.IsCompleted)
                    {
                        foreach (var message in _afterLogin)
                        {
                            await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
                        }
                        ScriptSent.TrySetResult();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or WebSocketException)
        {
            // The client hung up or the test ended.
        }
    }

    /// <summary>RFC 6455 §4.2.2: the 101 answer with the accept hash and the <c>xmpp</c> subprotocol.</summary>
    private async Task UpgradeAsync(NetworkStream stream)
    {
        var request = new StringBuilder();
        var one = new byte[1];
        while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                throw new IOException("closed during the upgrade");
            }
            request.Append((char)one[0]);
        }
        var key = request.ToString().Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))["Sec-WebSocket-Key:".Length..].Trim();
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the handshake; it protects nothing.
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        var response = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: xmpp\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
    }

    private Task SendAsync(WebSocket socket, string xml) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(xml), WebSocketMessageType.Text, endOfMessage: true, _stop.Token);

    private static string IdOf(string stanza)
    {
        var at = stanza.IndexOf("id=\"", StringComparison.Ordinal) + 4;
        return stanza[at..stanza.IndexOf('"', at)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}
