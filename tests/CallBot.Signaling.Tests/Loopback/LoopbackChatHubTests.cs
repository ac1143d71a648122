using System.Collections.Concurrent;
using System.Xml.Linq;
using CallBot.Signaling.Loopback;

namespace CallBot.Signaling.Tests.Loopback;

public sealed class LoopbackChatHubTests
{
    private static readonly XNamespace Client = "jabber:client";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static XElement Message(string to, string body) =>
        new(Client + "message", new XAttribute("to", to), new XAttribute("type", "headline"), new XElement(Client + "body", body));

    private static async Task<List<XElement>> ReceiveAsync(LoopbackChatEndpoint endpoint, int count)
    {
        var received = new ConcurrentQueue<XElement>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        endpoint.MessageReceived += (_, e) =>
        {
            received.Enqueue(e.Message);
            if (received.Count == count)
            {
                done.TrySetResult();
            }
        };
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        return [.. received];
    }

    [Fact]
    public async Task Messages_reach_the_bare_jid_in_order_with_from_set_as_a_server_would()
    {
        var hub = new LoopbackChatHub("chat.test", "7");
        await using var alice = hub.Connect(1001, "web");
        await using var bob = hub.Connect(1002, "bot");
        Assert.Equal("1001-7@chat.test/web", alice.LocalJid);
        Assert.Equal(ChatConnectionState.Online, bob.State);

        var receiving = ReceiveAsync(bob, 100);
        for (var i = 0; i < 100; i++)
        {
            await alice.SendMessageAsync(Message("1002-7@chat.test", $"m{i}"), Ct);
        }
        var got = await receiving;
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), got.Select(m => m.Value));
        Assert.All(got, m => Assert.Equal("1001-7@chat.test/web", (string?)m.Attribute("from")));
        Assert.Equal(100, hub.DeliveredCount);
        Assert.Equal(0, hub.PendingDeliveries);
    }

    [Fact]
    public async Task A_bare_jid_reaches_every_resource_a_full_jid_one_and_an_offline_user_none()
    {
        var hub = new LoopbackChatHub("chat.test", "7");
        await using var alice = hub.Connect(1001);
        await using var phone = hub.Connect(1002, "phone");
        await using var bot = hub.Connect(1002, "bot");
        var toPhone = ReceiveAsync(phone, 2);
        var toBot = ReceiveAsync(bot, 1);

        await alice.SendMessageAsync(Message("1002-7@chat.test", "both"), Ct);
        await alice.SendMessageAsync(Message("1002-7@chat.test/phone", "phone only"), Ct);
        await alice.SendMessageAsync(Message("1003-7@chat.test", "nobody"), Ct);

        Assert.Equal(["both", "phone only"], (await toPhone).Select(m => m.Value));
        Assert.Equal(["both"], (await toBot).Select(m => m.Value));
        Assert.Equal(1, hub.UndeliveredCount);
    }

    [Fact]
    public async Task Receivers_get_a_copy_and_a_closed_endpoint_neither_sends_nor_receives()
    {
        var hub = new LoopbackChatHub();
        await using var alice = hub.Connect(1001);
        var bob = hub.Connect(1002);
        var original = Message(bob.BareJid, "x");
        var receiving = ReceiveAsync(bob, 1);
        await alice.SendMessageAsync(original, Ct);
        var copy = Assert.Single(await receiving);
        Assert.NotSame(original, copy);
        Assert.Null(original.Attribute("from"));

        var closed = new TaskCompletionSource<ChatConnectionState>();
        bob.StateChanged += (_, e) => closed.TrySetResult(e.Current);
        await bob.DisposeAsync();
        Assert.Equal(ChatConnectionState.Closed, await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        await alice.SendMessageAsync(Message(bob.BareJid, "late"), Ct);
        Assert.Equal(1, hub.UndeliveredCount);
        await Assert.ThrowsAsync<InvalidOperationException>(() => bob.SendMessageAsync(Message(alice.BareJid, "x"), Ct));
        await Assert.ThrowsAsync<TimeoutException>(() => bob.PingAsync(TimeSpan.FromSeconds(1), Ct));
        await alice.PingAsync(TimeSpan.FromSeconds(1), Ct);
    }
}
