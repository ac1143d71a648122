using CallBot.Signaling.ConnectyCube;
using System.Text;
using CallBot.Signaling.Xmpp;
using CallBot.TestSupport.Prosody;
using Microsoft.Extensions.Logging.Testing;

namespace CallBot.Signaling.Tests.Xmpp;

/// <summary>Server crashes, huge and malformed input, offline sends. Owns its Prosody: these tests kill it.</summary>
public sealed class XmppFaultTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<XmppClient> NewClientAsync(Uri endpoint, Action<XmppClientOptions>? configure = null, FakeLogger<XmppClient>? logger = null)
    {
        var (user, password) = await XmppTestClients.NewUserAsync(prosody);
        var options = XmppTestClients.Options(prosody, endpoint, user, password);
        configure?.Invoke(options);
        return await XmppTestClients.ConnectAsync(options, logger);
    }

    [Fact]
    public async Task Prosody_killed_and_restarted_clients_reconnect_by_themselves_and_messages_flow_again()
    {
        await using var a = await NewClientAsync(prosody.WebSocketEndpoint);
        await using var b = await NewClientAsync(prosody.TcpEndpoint);
        var aDown = XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Reconnecting);
        var bDown = XmppTestClients.WaitForStateAsync(b, ChatConnectionState.Reconnecting);
        await prosody.KillAsync();
        await Task.WhenAll(aDown, bDown);
        Assert.NotNull(a.LastError);

        var aUp = XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Online);
        var bUp = XmppTestClients.WaitForStateAsync(b, ChatConnectionState.Online);
        await prosody.StartAsync();
        await Task.WhenAll(aUp, bUp);
        Assert.True(a.ConnectAttempts >= 2);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
        await a.PingAsync(TimeSpan.FromSeconds(5), Ct);
    }

    [Fact]
    public async Task Sends_while_offline_are_queued_and_delivered_in_order_after_reconnect()
    {
        await using var a = await NewClientAsync(prosody.TcpEndpoint, o => o.Resource = "bot");
        string self = a.LocalJid;
        Assert.EndsWith("/bot", self, StringComparison.Ordinal);
        var down = XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Reconnecting);
        await prosody.KillAsync();
        await down;

        // To our own full JID (fixed resource, so it survives the reconnect; Prosody does not route headlines
        // to the sender's own bare JID): delivered as soon as we are back, whoever else is online.
        var first = XmppTestClients.NextMessageAsync(a, "queued 1");
        var second = XmppTestClients.NextMessageAsync(a, "queued 2");
        var order = new List<string>();
        a.MessageReceived += (_, e) => { lock (order) { order.Add(e.Message.Value); } };
        var send1 = a.SendMessageAsync(XmppTestClients.Headline(self, "queued 1"), Ct);
        var send2 = a.SendMessageAsync(XmppTestClients.Headline(self, "queued 2"), Ct);
        Assert.False(send1.IsCompleted);
        Assert.Equal(2, a.QueuedCount);

        await prosody.StartAsync();
        await Task.WhenAll(send1, send2).WaitAsync(XmppTestClients.Timeout, Ct);
        await Task.WhenAll(first, second);
        Assert.Equal(0, a.QueuedCount);
        lock (order)
        {
            Assert.Equal(["queued 1", "queued 2"], order);
        }
    }

    [Fact]
    public async Task Fail_fast_policy_throws_while_offline_and_a_full_queue_throws_too()
    {
        await using var failFast = await NewClientAsync(prosody.TcpEndpoint, o => o.OfflineSendPolicy = OfflineSendPolicy.FailFast);
        await using var queued = await NewClientAsync(prosody.WebSocketEndpoint, o => o.OfflineQueueCapacity = 1);
        var down1 = XmppTestClients.WaitForStateAsync(failFast, ChatConnectionState.Reconnecting);
        var down2 = XmppTestClients.WaitForStateAsync(queued, ChatConnectionState.Reconnecting);
        await prosody.KillAsync();
        await Task.WhenAll(down1, down2);
        try
        {
            await Assert.ThrowsAsync<XmppOfflineException>(() => failFast.SendMessageAsync(XmppTestClients.Headline(failFast.LocalJid, "x"), Ct));
            await Assert.ThrowsAsync<XmppOfflineException>(() => failFast.PingAsync(TimeSpan.FromSeconds(1), Ct));
            var kept = queued.SendMessageAsync(XmppTestClients.Headline(queued.LocalJid, "kept"), Ct);
            await Assert.ThrowsAsync<XmppSendQueueFullException>(() => queued.SendMessageAsync(XmppTestClients.Headline(queued.LocalJid, "over"), Ct));
            Assert.False(kept.IsCompleted);
        }
        finally
        {
            await prosody.StartAsync();
        }
    }

    [Fact]
    public async Task Ten_MiB_stanza_through_Prosody_is_reported_and_the_receiver_recovers()
    {
        var logger = new FakeLogger<XmppClient>();
        await using var receiver = await NewClientAsync(prosody.WebSocketEndpoint, logger: logger);
        await using var sender = await NewClientAsync(prosody.TcpEndpoint);
        var dropped = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.StateChanged += (_, e) =>
        {
            if (e.Current == ChatConnectionState.Reconnecting)
            {
                dropped.TrySetResult(e.Error);
            }
        };
        var huge = XmppTestClients.Headline(ChatJid.Bare(receiver.LocalJid), new string('x', 10 * 1024 * 1024));
        await sender.SendMessageAsync(huge, Ct);
        var error = await dropped.Task.WaitAsync(XmppTestClients.Timeout, Ct);
        Assert.Contains("exceeds 262144 bytes", error!.Message, StringComparison.Ordinal);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.Contains("exceeds 262144 bytes", StringComparison.Ordinal));

        await XmppTestClients.WaitForStateAsync(receiver, ChatConnectionState.Online);
        await XmppTestClients.ExchangeBothWaysAsync(sender, receiver);
    }

    [Theory]
    [InlineData("malformed", "<message><body>unclosed</oops></message>")]
    [InlineData("malformed", "<!-- comments are not allowed -->")]
    [InlineData("malformed", "text at stream level")]
    [InlineData("exceeds", null)]
    public async Task Bad_bytes_from_the_server_are_reported_and_the_client_reconnects_and_keeps_working(string expected, string? bad)
    {
        byte[] badBytes = bad is null
            ? Encoding.UTF8.GetBytes("<message><body>" + new string('y', 10 * 1024 * 1024) + "</body></message>")
            : Encoding.UTF8.GetBytes(bad);
        byte[] good = Encoding.UTF8.GetBytes("<message from='2-7@localhost/x' type='headline'><body>after recovery</body></message>");
        await using var server = new FakeXmppServer(index => index == 0 ? badBytes : good);
        var logger = new FakeLogger<XmppClient>();
        await using var client = new XmppClient(new XmppClientOptions
        {
            Endpoint = server.Endpoint,
            Domain = "localhost",
            TlsMode = XmppTlsMode.None,
            UserName = "1-7",
            Password = "p",
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
        }, logger);
        var dropped = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.Current == ChatConnectionState.Reconnecting)
            {
                dropped.TrySetResult(e.Error);
            }
        };
        var recovered = XmppTestClients.NextMessageAsync(client, "after recovery");
        await client.ConnectAsync(Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        Assert.Equal(FakeXmppServer.BoundJid, client.LocalJid);

        var error = await dropped.Task.WaitAsync(XmppTestClients.Timeout, Ct);
        Assert.IsType<XmppStreamException>(error);
        Assert.Contains(expected, error!.Message, StringComparison.OrdinalIgnoreCase);
        await recovered;
        Assert.Equal(2, server.Accepted);
        Assert.Equal(ChatConnectionState.Online, client.State);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning && r.Message.Contains("lost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stalled_connection_is_found_by_the_keepalive_ping_and_replaced()
    {
        byte[] good = Encoding.UTF8.GetBytes("<message from='2-7@localhost/x' type='headline'><body>after stall</body></message>");
        // Connection 0 logs in, then goes silent: no bytes, no ping answers, socket still open.
        await using var server = new FakeXmppServer(index => index == 0 ? [] : good, index => index != 0);
        var logger = new FakeLogger<XmppClient>();
        await using var client = new XmppClient(new XmppClientOptions
        {
            Endpoint = server.Endpoint,
            Domain = "localhost",
            TlsMode = XmppTlsMode.None,
            UserName = "1-7",
            Password = "p",
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            KeepAliveInterval = TimeSpan.FromMilliseconds(200),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(300),
        }, logger);
        var dropped = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, e) =>
        {
            if (e.Current == ChatConnectionState.Reconnecting)
            {
                dropped.TrySetResult(e.Error);
            }
        };
        var recovered = XmppTestClients.NextMessageAsync(client, "after stall");
        await client.ConnectAsync(Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        var error = await dropped.Task.WaitAsync(XmppTestClients.Timeout, Ct);
        Assert.Contains("stalled", error!.Message, StringComparison.Ordinal);
        Assert.Contains("awaiting bytes", error.Message, StringComparison.Ordinal);
        Assert.True(server.UnansweredPings >= 1);
        await recovered;
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Message.Contains("stalled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_ping_is_answered_and_unknown_iq_gets_service_unavailable()
    {
        byte[] script = Encoding.UTF8.GetBytes(
            "<iq type='get' id='sp1' from='localhost'><ping xmlns='urn:xmpp:ping'/></iq>" +
            "<iq type='get' id='q1' from='2-7@localhost/x'><query xmlns='jabber:iq:version'/></iq>");
        await using var server = new FakeXmppServer(_ => script);
        await using var client = new XmppClient(new XmppClientOptions
        {
            Endpoint = server.Endpoint,
            Domain = "localhost",
            TlsMode = XmppTlsMode.None,
            UserName = "1-7",
            Password = "p",
        });
        await client.ConnectAsync(Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        string pong = await server.NextFromClientAsync(f => f.Contains("\"sp1\"", StringComparison.Ordinal), Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        Assert.Equal("<iq id=\"sp1\" to=\"localhost\" type=\"result\" xmlns=\"jabber:client\" />", pong);
        string refusal = await server.NextFromClientAsync(f => f.Contains("\"q1\"", StringComparison.Ordinal), Ct).WaitAsync(XmppTestClients.Timeout, Ct);
        var parsed = System.Xml.Linq.XElement.Parse(refusal);
        Assert.Equal("error", (string?)parsed.Attribute("type"));
        Assert.Equal("2-7@localhost/x", (string?)parsed.Attribute("to"));
        Assert.NotNull(parsed.Descendants(System.Xml.Linq.XName.Get("service-unavailable", "urn:ietf:params:xml:ns:xmpp-stanzas")).SingleOrDefault());
        Assert.Equal(ChatConnectionState.Online, client.State);
    }

    [Fact]
    public async Task Dropped_connection_resumes_the_stream_and_gets_what_was_sent_meanwhile()
    {
        await using var a = await NewClientAsync(prosody.TcpEndpoint, o => o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(500));
        await using var b = await NewClientAsync(prosody.WebSocketEndpoint);
        string jid = a.LocalJid;
        await XmppTestClients.ExchangeBothWaysAsync(a, b);

        var down = XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Reconnecting);
        await a.DropConnectionForTestsAsync();
        await down;
        // Sent while A's stream hibernates on the server; a new session (no resume) would never see it.
        var meanwhile = XmppTestClients.NextMessageAsync(a, "while you were out");
        await b.SendMessageAsync(XmppTestClients.Headline(jid, "while you were out"), Ct);
        await meanwhile;
        await XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Online);
        Assert.Equal(1, a.ResumeCount);
        Assert.Equal(jid, a.LocalJid);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }

    [Fact]
    public async Task Without_stream_management_a_dropped_connection_starts_a_new_session()
    {
        await using var a = await NewClientAsync(prosody.TcpEndpoint, o => o.EnableStreamManagement = false);
        await using var b = await NewClientAsync(prosody.TcpEndpoint);
        string jid = a.LocalJid;
        var down = XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Reconnecting);
        await a.DropConnectionForTestsAsync();
        await down;
        await XmppTestClients.WaitForStateAsync(a, ChatConnectionState.Online);
        Assert.Equal(0, a.ResumeCount);
        Assert.NotEqual(jid, a.LocalJid);
        await XmppTestClients.ExchangeBothWaysAsync(a, b);
    }
}
