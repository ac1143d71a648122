using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using CallBot.Signaling.Tests.Xmpp;
using CallBot.Signaling.Xmpp;
using CallBot.Signaling.Xmpp.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CallBot.Signaling.Tests.Hostile;

/// <summary>
/// Issue 16 rows 3, 7 and 11: what reaches the bot through the chat server (any chat user's stanza, or the server
/// itself) is held to the same limits on every transport, and the chat link is not silently left open to a MITM.
/// </summary>
public sealed class HostileServerTests
{
    private const int HostileDepth = 37_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary><c>&lt;message&gt;&lt;x&gt;&lt;x&gt;…&lt;/x&gt;&lt;/x&gt;&lt;/message&gt;</c>, <paramref name="depth"/> deep (≈ 259 KB at 37,000).</summary>
    private static XElement DeepMessage(string to, int depth)
    {
        var inner = new XElement("x");
        var outer = inner;
        for (var i = 1; i < depth; i++)
        {
            outer = new XElement("x", outer);
        }
        return new XElement("message", new XAttribute("to", to), new XAttribute("type", "headline"), outer);
    }

    [Fact]
    public void The_37000_deep_websocket_element_is_refused_in_under_50_ms()
    {
        var xml = DeepMessage("1-7@localhost", HostileDepth).ToString(SaveOptions.DisableFormatting);
        var bytes = Encoding.UTF8.GetBytes(xml);
        Assert.InRange(bytes.Length, 250_000, 270_000);
        var framer = new XmlStreamFramer(256 * 1024, elementsOnly: true);
        WebSocketXmppTransport.CheckMessage(framer, bytes); // JIT

        var clock = Stopwatch.StartNew();
        var verdict = WebSocketXmppTransport.CheckMessage(framer, bytes);
        clock.Stop();

        Assert.Equal(XmlFramingError.TooDeep, verdict);
        Assert.True(clock.ElapsedMilliseconds < 50, $"refusal took {clock.ElapsedMilliseconds} ms");
        var refusal = WebSocketXmppTransport.Refusal(bytes, "too-deep");
        Assert.Equal("message", (string?)refusal.Attribute("name"));
    }

    [Theory]
    [InlineData("<message><body>ok</body></message>", "None")]
    [InlineData("  <presence/>\n", "None")]
    [InlineData("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>", "None")]
    [InlineData("<message><body><![CDATA[a<b]]></body></message>", "None")]
    [InlineData("<message/><message/>", "Malformed")]
    [InlineData("<message><body>unclosed</body>", "Malformed")]
    [InlineData("<!-- no --><message/>", "Restricted")]
    [InlineData("<?xml version='1.0'?><message/>", "Restricted")]
    [InlineData("<message><!DOCTYPE x></message>", "Restricted")]
    public void A_websocket_message_obeys_the_tcp_framer_rules(string message, string expected)
    {
        Assert.Equal(Enum.Parse<XmlFramingError>(expected), WebSocketXmppTransport.CheckMessage(new XmlStreamFramer(1 << 20, elementsOnly: true), Encoding.UTF8.GetBytes(message)));
    }

    [Fact]
    public void Sixty_four_levels_pass_and_sixty_five_are_refused_on_websocket_as_on_tcp()
    {
        var framer = new XmlStreamFramer(1 << 20, elementsOnly: true);
        // The message itself is depth 1 on TCP (under the stream root), so 63 nested levels inside it reach the cap.
        Assert.Equal(XmlFramingError.None, WebSocketXmppTransport.CheckMessage(framer, Encoding.UTF8.GetBytes(DeepMessage("a@b", XmlStreamFramer.MaxDepth - 2).ToString(SaveOptions.DisableFormatting))));
        Assert.Equal(XmlFramingError.TooDeep, WebSocketXmppTransport.CheckMessage(framer, Encoding.UTF8.GetBytes(DeepMessage("a@b", XmlStreamFramer.MaxDepth).ToString(SaveOptions.DisableFormatting))));
    }

    [Fact]
    public async Task A_37000_deep_websocket_element_is_refused_and_the_next_message_arrives_within_1_5_s_on_the_same_stream()
    {
        var deep = DeepMessage("1-7@localhost", HostileDepth);
        deep.SetAttributeValue("from", "2-7@localhost/attacker");
        await using var server = new FakeWebSocketXmppServer(
        [
            Encoding.UTF8.GetBytes(deep.ToString(SaveOptions.DisableFormatting).Replace("<message ", "<message xmlns='jabber:client' ", StringComparison.Ordinal)),
            "<message xmlns='jabber:client' from='2-7@localhost/x' type='headline'><body>the next call</body></message>"u8.ToArray(),
        ]);
        var logger = new FakeLogger<XmppClient>();
        await using var bot = new XmppClient(new XmppClientOptions
        {
            Endpoint = server.Endpoint,
            Domain = "localhost",
            UserName = "1-7",
            Password = "p",
            KeepAliveInterval = TimeSpan.Zero,
        }, logger);
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        bot.InputRefused += (_, e) => refused.TrySetResult(e.Reason);
        var next = XmppTestClients.NextMessageAsync(bot, "the next call");

        await bot.ConnectAsync(Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        await server.ScriptSent.Task.WaitAsync(XmppTestClients.Timeout, Ct);
        var clock = Stopwatch.StartNew();
        await next;
        clock.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine($"next message {clock.Elapsed.TotalMilliseconds:F0} ms after the script was sent");

        Assert.Equal("too-deep", await refused.Task.WaitAsync(XmppTestClients.Timeout, Ct));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"the next message took {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(1, bot.ConnectAttempts); // the stream survived: no reconnect, nothing lost meanwhile
        Assert.Equal(ChatConnectionState.Online, bot.State);
        Assert.Equal(1, bot.RefusedCount);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("too-deep", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Iq_ids_are_random_and_a_result_from_another_sender_does_not_answer_our_ping()
    {
        await using var server = new FakeXmppServer(_ => []);
        await using var client = new XmppClient(new XmppClientOptions
        {
            Endpoint = server.Endpoint,
            Domain = "localhost",
            TlsMode = XmppTlsMode.None,
            UserName = "1-7",
            Password = "p",
            KeepAliveInterval = TimeSpan.Zero,
        });
        var negotiationPing = server.NextFromClientAsync(f => f.Contains("urn:xmpp:ping", StringComparison.Ordinal), Ct);
        await client.ConnectAsync(Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        var firstId = (string?)XElement.Parse(await negotiationPing).Attribute("id");

        server.PingReplyFrom = "2-7@localhost/attacker";
        var spoofedPing = server.NextFromClientAsync(f => f.Contains("urn:xmpp:ping", StringComparison.Ordinal), Ct);
        await Assert.ThrowsAsync<TimeoutException>(() => client.PingAsync(TimeSpan.FromMilliseconds(500), Ct));
        var secondId = (string?)XElement.Parse(await spoofedPing).Attribute("id");
        Assert.True(client.RefusedCount >= 1);

        server.PingReplyFrom = "localhost";
        await client.PingAsync(TimeSpan.FromSeconds(5), Ct);

        Assert.Matches("^[0-9a-f]{32}$", firstId);
        Assert.Matches("^[0-9a-f]{32}$", secondId);
        Assert.NotEqual(firstId, secondId);
    }

    [Theory]
    [InlineData("ws://chat.example.com/xmpp-websocket", XmppTlsMode.StartTls)]
    [InlineData("tcp://chat.example.com:5222", XmppTlsMode.None)]
    [InlineData("ws://10.0.0.5:5280/xmpp-websocket", XmppTlsMode.StartTls)]
    public void Clear_text_to_a_non_loopback_host_is_refused_unless_explicitly_allowed(string endpoint, XmppTlsMode tls)
    {
        XmppClientOptions Options(bool allow) => new() { Endpoint = new Uri(endpoint), TlsMode = tls, UserName = "1-7", Password = "p", AllowUnencrypted = allow };
        var error = Assert.Throws<ArgumentException>(() => new XmppClient(Options(allow: false)));
        Assert.Contains("AllowUnencrypted", error.Message, StringComparison.Ordinal);

        var logger = new FakeLogger<XmppClient>();
        using var _ = new DisposeOnExit(new XmppClient(Options(allow: true), logger));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("not encrypted", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("wss://chat.example.com/xmpp-websocket", XmppTlsMode.StartTls)]
    [InlineData("tcp://chat.example.com:5222", XmppTlsMode.StartTls)]
    [InlineData("ws://127.0.0.1:5280/xmpp-websocket", XmppTlsMode.StartTls)]
    [InlineData("tcp://localhost:5222", XmppTlsMode.None)]
    public void Encrypted_or_loopback_endpoints_need_no_exception(string endpoint, XmppTlsMode tls)
    {
        var logger = new FakeLogger<XmppClient>();
        using var _ = new DisposeOnExit(new XmppClient(new XmppClientOptions { Endpoint = new Uri(endpoint), TlsMode = tls, UserName = "1-7", Password = "p" }, logger));
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Turning_certificate_validation_off_is_warned_about_at_start()
    {
        var logger = new FakeLogger<XmppClient>();
        using var _ = new DisposeOnExit(new XmppClient(new XmppClientOptions
        {
            Endpoint = new Uri("wss://chat.example.com/xmpp-websocket"),
            UserName = "1-7",
            Password = "p",
            DangerousAcceptAnyServerCertificate = true,
        }, logger));
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning && r.Message.Contains("validation is OFF", StringComparison.Ordinal));
    }

    private sealed class DisposeOnExit(XmppClient client) : IDisposable
    {
        public void Dispose() => client.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
