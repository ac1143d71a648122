using System.Globalization;
using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.Hostile;

/// <summary>
/// Issue 16 rows 2 and 6: what a remote caller controls in a call stanza (its <c>sessionID</c>, its JID as the
/// server stamps it) cannot grow memory, reach logs or replies, or pass for another user.
/// </summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class HostileCallerTests
{
    private const string BotJid = "1002-1@chat.test/bot";

    private static XElement Call(string from, string sessionId)
    {
        var stanza = CallSignalCodec.Encode(new CallSignal
        {
            Type = CallSignalType.Call,
            SessionId = sessionId,
            CallType = CallType.Video,
            CallerId = ChatJid.TryGetUserId(from, out var id) ? id : 1001,
            OpponentIds = [1002],
            Sdp = "v=0\r\n",
            Platform = "web",
        }, "1002-1@chat.test", "0123456789abcdef01234567");
        stanza.SetAttributeValue("from", from);
        return stanza;
    }

    [Fact]
    public async Task Eleven_hundred_calls_with_a_200000_char_session_id_keep_the_heap_flat_and_are_never_echoed()
    {
        var transport = new FakeChatTransport(BotJid);
        await using var client = new CallClient(transport, new FakePeerFactory(), new CallClientOptions(), new FakeTimeProvider());
        var incoming = 0;
        client.IncomingCall += (_, e) =>
        {
            // An allow-list would refuse this caller: every call is rejected, which is what used to echo the id.
            Interlocked.Increment(ref incoming);
            _ = e.Session.RejectAsync();
        };
        var tail = new string('x', 200_000 - 8);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 1_100; i++)
        {
            transport.Receive(Call("1001-1@chat.test/web", i.ToString("D8", CultureInfo.InvariantCulture) + tail));
            await client.WhenEventsRaisedAsync();
            await client.WhenEventsRaisedAsync();
        }
        var after = GC.GetTotalMemory(forceFullCollection: true);
        TestContext.Current.TestOutputHelper?.WriteLine($"heap growth {after - before} B, remembered {client.RememberedClosedCount} ids / {client.RememberedClosedBytes} B");

        Assert.True(after - before < 5 * 1024 * 1024, $"heap grew {after - before} bytes");
        Assert.Equal(0, incoming);
        Assert.Equal(1_100, client.GetDropCount(CallDropReason.Malformed));
        Assert.Equal(0, client.RememberedClosedCount);
        Assert.DoesNotContain(transport.Sent, s => s.ToString().Contains(tail[..64], StringComparison.Ordinal));
        Assert.Empty(transport.Sent);
    }

    [Fact]
    public async Task Remembered_closed_ids_are_bounded_in_bytes_as_well_as_in_count()
    {
        var transport = new FakeChatTransport(BotJid);
        var options = new CallClientOptions { ClosedSessionMemory = 10_000, ClosedSessionMemoryBytes = 32 * 1024 };
        await using var client = new CallClient(transport, new FakePeerFactory(), options, new FakeTimeProvider());
        client.IncomingCall += (_, e) => _ = e.Session.RejectAsync();
        for (var i = 0; i < 500; i++)
        {
            // The longest id the grammar allows.
            transport.Receive(Call("1001-1@chat.test/web", i.ToString("D8", CultureInfo.InvariantCulture) + new string('k', CallSignalCodec.MaxSessionIdLength - 8)));
            await client.WhenEventsRaisedAsync();
            await client.WhenEventsRaisedAsync();
        }
        Assert.InRange(client.RememberedClosedBytes, 1, 32 * 1024);
        Assert.Equal(32 * 1024 / ((2 * CallSignalCodec.MaxSessionIdLength) + 64), client.RememberedClosedCount);
    }

    [Theory]
    [InlineData("abc\u0000def")]
    [InlineData("<x/>")]
    [InlineData("id with spaces")]
    [InlineData("ünïcode")]
    public void Session_ids_outside_the_grammar_are_refused_without_detail(string id)
    {
        var result = CallSignalCodec.TryDecode(Call("1001-1@chat.test/web", id.Replace("\u0000", "&#0;", StringComparison.Ordinal)));
        Assert.False(result.IsSuccess);
        Assert.Equal(CallSignalRejectReason.BadSessionId, result.Reason);
        Assert.Null(result.Detail);
    }

    [Theory]
    [InlineData("01001-1@chat.test/web")]
    [InlineData("1001-999@evil.example/web")]
    [InlineData("1001@other.domain/web")]
    [InlineData("1001-999@chat.test/web")]
    [InlineData("1001-1@chat.test.evil/web")]
    [InlineData("1001-1-1@chat.test/web")]
    public async Task A_sender_outside_this_app_and_domain_is_not_read_as_caller_1001(string from)
    {
        var transport = new FakeChatTransport(BotJid);
        await using var client = new CallClient(transport, new FakePeerFactory(), new CallClientOptions(), new FakeTimeProvider());
        var callers = new List<int>();
        client.IncomingCall += (_, e) => callers.Add(e.CallerUserId);

        transport.Receive(Call(from, Guid.NewGuid().ToString()));
        await client.WhenEventsRaisedAsync();
        Assert.Empty(callers);
        Assert.Equal(1, client.GetDropCount(CallDropReason.ForeignSender) + client.GetDropCount(CallDropReason.Malformed));

        // The real user 1001 of app 1 at chat.test still gets through.
        transport.Receive(Call("1001-1@CHAT.test/web", Guid.NewGuid().ToString()));
        await client.WhenEventsRaisedAsync();
        Assert.Equal([1001], callers);
    }

    [Theory]
    [InlineData("01001-1@chat.test/web")]
    [InlineData("1001-999@evil.example/web")]
    [InlineData("1001@other.domain/web")]
    public void ChatJid_reads_no_user_1001_of_app_1_at_chat_test(string jid)
    {
        Assert.False(ChatJid.TryGetUserId(jid, "1", "chat.test", out var id));
        Assert.Equal(0, id);
        Assert.True(ChatJid.TryGetUserId("1001-1@chat.test/web", "1", "chat.test", out id));
        Assert.Equal(1001, id);
    }

    [Fact]
    public async Task Every_drop_is_reported_to_the_host_with_its_reason()
    {
        var transport = new FakeChatTransport(BotJid);
        await using var client = new CallClient(transport, new FakePeerFactory(), new CallClientOptions(), new FakeTimeProvider());
        var reasons = new List<CallDropReason>();
        client.SignalDropped += (_, e) => reasons.Add(e.Reason);
        transport.Receive(Call("1001-999@evil.example/web", Guid.NewGuid().ToString()));
        transport.Receive(Call("1001-1@chat.test/web", new string('x', 129)));
        await client.WhenEventsRaisedAsync();
        Assert.Equal([CallDropReason.ForeignSender, CallDropReason.Malformed], reasons);
    }
}
