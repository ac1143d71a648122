using System.Globalization;
using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>A peer flooding <c>call</c> stanzas cannot grow the client's state: caps hold, every drop is counted.</summary>
/// <remarks>Measures retained memory of the whole process, so it runs alone (see <see cref="ProcessWideMeasurements"/>).</remarks>
[Collection(ProcessWideMeasurements.Name)]
public sealed class CallFloodTests
{
    private const int Flood = 10_000;

    private static XElement Call(int from, string sessionId)
    {
        var stanza = CallSignalCodec.Encode(new CallSignal
        {
            Type = CallSignalType.Call,
            SessionId = sessionId,
            CallType = CallType.Video,
            CallerId = from,
            OpponentIds = [1002],
            Sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" + new string('a', 4000),
            Platform = "web",
        }, "1002-7@chat.test", "0123456789abcdef01234567");
        stanza.SetAttributeValue("from", string.Create(CultureInfo.InvariantCulture, $"{from}-7@chat.test/flood"));
        return stanza;
    }

    private static async Task<(long Retained, int Incoming)> FloodAsync(CallClient client, FakeChatTransport transport, Func<int, int> sender)
    {
        var incoming = 0;
        client.IncomingCall += (_, _) => Interlocked.Increment(ref incoming);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = System.Diagnostics.Stopwatch.StartNew(); // printed only; nothing is asserted on it
        for (var i = 0; i < Flood; i++)
        {
            transport.Receive(Call(sender(i), Guid.NewGuid().ToString()));
        }
        await client.WhenEventsRaisedAsync();
        clock.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Flood} calls in {clock.ElapsedMilliseconds} ms; retained {after - before} B; queue-full {client.GetDropCount(CallDropReason.QueueFull)}, " +
            $"per-user cap {client.GetDropCount(CallDropReason.TooManySessionsForUser)}, total cap {client.GetDropCount(CallDropReason.TooManySessions)}");
        return (after - before, incoming);
    }

    [Fact]
    public async Task Ten_thousand_calls_from_one_peer_keep_two_sessions_and_count_every_drop()
    {
        var transport = new FakeChatTransport("1002-7@chat.test/bot");
        var time = new FakeTimeProvider();
        await using var client = new CallClient(transport, new FakePeerFactory(), new CallClientOptions(), time);

        var (retained, incoming) = await FloodAsync(client, transport, _ => 1001);

        Assert.Equal(2, client.LiveSessionCount);
        Assert.Equal(2, incoming);
        var dropped = client.GetDropCount(CallDropReason.TooManySessionsForUser) + client.GetDropCount(CallDropReason.QueueFull);
        Assert.Equal(Flood - 2, dropped);
        Assert.Equal(dropped, client.TotalDrops);
        Assert.True(retained < 2 * 1024 * 1024, $"retained {retained} bytes after the flood");
        Assert.Empty(transport.Sent); // nothing is answered to a flood

        // The two that got in stop ringing after the answer interval; the state drains to nothing but a bounded id memory.
        time.Advance(TimeSpan.FromSeconds(60));
        await client.WhenEventsRaisedAsync();
        Assert.Equal(0, client.LiveSessionCount);
        Assert.Equal(2, client.RememberedClosedCount);
    }

    [Fact]
    public async Task Ten_thousand_calls_from_distinct_users_stop_at_the_total_cap()
    {
        var transport = new FakeChatTransport("1002-7@chat.test/bot");
        var options = new CallClientOptions { MaxSessions = 16 };
        await using var client = new CallClient(transport, new FakePeerFactory(), options, new FakeTimeProvider());

        var (retained, incoming) = await FloodAsync(client, transport, i => 3000 + i);

        Assert.Equal(16, client.LiveSessionCount);
        Assert.Equal(16, incoming);
        Assert.Equal(Flood - 16, client.GetDropCount(CallDropReason.TooManySessions) + client.GetDropCount(CallDropReason.QueueFull));
        Assert.True(retained < 2 * 1024 * 1024, $"retained {retained} bytes after the flood");
    }

    [Fact]
    public async Task The_memory_of_ended_sessions_is_bounded()
    {
        var transport = new FakeChatTransport("1002-7@chat.test/bot");
        var options = new CallClientOptions { ClosedSessionMemory = 100 };
        await using var client = new CallClient(transport, new FakePeerFactory(), options, new FakeTimeProvider());
        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            var id = Guid.NewGuid().ToString();
            ids.Add(id);
            transport.Receive(Call(1001, id));
            var hangUp = Call(1001, id);
            hangUp.Descendants().Single(e => e.Name.LocalName == "signalType").Value = CallSignalNames.HangUp;
            transport.Receive(hangUp);
            await client.WhenIdleAsync();
        }
        Assert.Equal(0, client.LiveSessionCount);
        Assert.Equal(100, client.RememberedClosedCount);

        // A late re-dial of a recent session is recognised; one of an old, forgotten session rings again (bounded memory).
        transport.Receive(Call(1001, ids[^1]));
        await client.WhenIdleAsync();
        Assert.Equal(1, client.GetDropCount(CallDropReason.SessionClosed));
        Assert.Equal(0, client.LiveSessionCount);
    }
}

/// <summary>Tests that measure the whole process (GC totals) run with no other test class in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMeasurements
{
    public const string Name = "Process-wide measurements";
}
