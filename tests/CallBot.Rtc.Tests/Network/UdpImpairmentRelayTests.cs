using System.Net;
using System.Net.Sockets;
using CallBot.TestSupport.Network;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Network;

/// <summary>Relay impairments on fake time: every bound is exact because datagrams leave only when the test advances the clock.</summary>
public sealed class UdpImpairmentRelayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Learns_each_peer_from_its_first_datagram_and_forwards_both_ways()
    {
        await using var a = new UdpTestPeer();
        await using var b = new UdpTestPeer();
        await using var stranger = new UdpTestPeer();
        await using var relay = UdpImpairmentRelay.Start();

        b.SendTo(relay.EndpointB, UdpTestPeer.Rtp(1));              // A is unknown yet: nowhere to send
        await relay.BToA.WaitForSettledAsync(1, Wait);
        a.SendTo(relay.EndpointA, UdpTestPeer.Rtp(2));
        await b.WaitForCountAsync(1, Wait);
        b.SendTo(relay.EndpointB, UdpTestPeer.Rtp(3));
        await a.WaitForCountAsync(1, Wait);
        stranger.SendTo(relay.EndpointA, UdpTestPeer.Rtp(4));       // not the learned peer A
        await relay.AToB.WaitForSettledAsync(2, Wait);

        Assert.Equal(a.EndPoint, relay.PeerA);
        Assert.Equal(b.EndPoint, relay.PeerB);
        Assert.Equal(new RelayCounters { Received = 2, Forwarded = 1, DroppedUnknownSender = 1 }, relay.AToB.Counters);
        Assert.Equal(new RelayCounters { Received = 2, Forwarded = 1, DroppedNoPeer = 1 }, relay.BToA.Counters);
        Assert.Equal(relay.EndpointB, b.Received[0].From);          // B hears A as the relay's B port: B's remote candidate
        Assert.Equal(relay.EndpointA, a.Received[0].From);
        Assert.Equal([2], b.Sequences());
        Assert.Equal([3], a.Sequences());
    }

    [Fact]
    public async Task Latest_sender_learning_follows_a_peer_that_moved()
    {
        await using var a1 = new UdpTestPeer();
        await using var a2 = new UdpTestPeer();
        await using var b = new UdpTestPeer();
        await using var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Learning = RelayPeerLearning.LatestSender, PeerB = b.EndPoint });

        a1.SendTo(relay.EndpointA, UdpTestPeer.Rtp(1));
        await b.WaitForCountAsync(1, Wait);
        b.SendTo(relay.EndpointB, UdpTestPeer.Rtp(2));
        await a1.WaitForCountAsync(1, Wait);

        a2.SendTo(relay.EndpointA, UdpTestPeer.Rtp(3));             // "address change" of peer A
        await b.WaitForCountAsync(2, Wait);
        b.SendTo(relay.EndpointB, UdpTestPeer.Rtp(4));
        await a2.WaitForCountAsync(1, Wait);

        Assert.Equal(a2.EndPoint, relay.PeerA);
        Assert.Equal([2], a1.Sequences());
        Assert.Equal([4], a2.Sequences());
    }

    [Fact]
    public async Task Delay_and_jitter_keep_every_datagram_within_bounds()
    {
        var time = new FakeTimeProvider();
        await using var pair = await RelayPair.StartAsync(time);
        pair.Relay.AToB.Delay = TimeSpan.FromMilliseconds(100);
        pair.Relay.AToB.Jitter = TimeSpan.FromMilliseconds(20);

        await pair.SendAToBAsync(200);

        time.Advance(TimeSpan.FromMilliseconds(79));
        Assert.Equal(0, pair.Relay.AToB.Counters.Forwarded);            // nothing before delay − jitter
        time.Advance(TimeSpan.FromMilliseconds(21));
        Assert.InRange(pair.Relay.AToB.Counters.Forwarded, 50, 150);     // jitter spreads them around 100 ms
        time.Advance(TimeSpan.FromMilliseconds(21));
        Assert.Equal(200, pair.Relay.AToB.Counters.Forwarded);          // everything by delay + jitter (+1 ms timer rounding)
        await pair.B.WaitForCountAsync(200, Wait);
        Assert.Equal(200, pair.Relay.AToB.Counters.Delayed);
        Assert.NotEqual(Enumerable.Range(0, 200), pair.B.Sequences());   // jitter alone may reorder (netem-like)
    }

    [Fact]
    public async Task Jitter_can_be_told_to_keep_order()
    {
        var time = new FakeTimeProvider();
        await using var pair = await RelayPair.StartAsync(time);
        pair.Relay.AToB.Delay = TimeSpan.FromMilliseconds(50);
        pair.Relay.AToB.Jitter = TimeSpan.FromMilliseconds(40);
        pair.Relay.AToB.JitterKeepsOrder = true;

        await pair.SendAToBAsync(200);
        time.Advance(TimeSpan.FromMilliseconds(200));

        await pair.AssertDeliveredInOrderAsync(200);
    }

    [Fact]
    public async Task Reorder_holds_some_datagrams_back_so_later_ones_overtake()
    {
        var time = new FakeTimeProvider();
        await using var pair = await RelayPair.StartAsync(time);
        pair.Relay.AToB.ReorderRate = 0.25;
        pair.Relay.AToB.ReorderDelay = TimeSpan.FromMilliseconds(30);

        await pair.SendAToBAsync(200);
        long held = pair.Relay.AToB.Counters.Reordered;
        await pair.B.WaitForCountAsync(200 - (int)held, Wait);      // the rest went straight through
        time.Advance(TimeSpan.FromMilliseconds(30));
        await pair.B.WaitForCountAsync(200, Wait);

        var order = pair.B.Sequences();
        int overtaken = 0, highest = -1;
        foreach (int seq in order)
        {
            overtaken += seq < highest ? 1 : 0;
            highest = Math.Max(highest, seq);
        }

        Assert.InRange(held, 30, 70);
        Assert.Equal(held, overtaken);
        Assert.Equal(Enumerable.Range(0, 200), order.Order());
    }

    [Fact]
    public async Task Duplicates_arrive_twice_and_are_counted_apart_from_forwarded()
    {
        await using var pair = await RelayPair.StartAsync(new FakeTimeProvider());
        pair.Relay.AToB.DuplicateRate = 0.2;

        await pair.SendAToBAsync(500);
        var counters = pair.Relay.AToB.Counters;
        await pair.B.WaitForCountAsync(500 + (int)counters.Duplicated, Wait);

        Assert.Equal(500, counters.Forwarded);
        Assert.InRange(counters.Duplicated, 60, 140);
        Assert.Equal(500 + counters.Duplicated, pair.B.Count);
        Assert.Equal(500, pair.B.Sequences().Distinct().Count());
    }

    [Fact]
    public async Task Blackouts_drop_everything_inside_their_window_only()
    {
        var time = new FakeTimeProvider();
        await using var pair = await RelayPair.StartAsync(time);
        pair.Relay.AToB.BlackoutFor(TimeSpan.FromSeconds(1));
        pair.Relay.AToB.AddBlackout(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500));

        await pair.SendAToBAsync(10, firstSequence: 0);             // t = 0: dark
        time.Advance(TimeSpan.FromSeconds(1));
        await pair.SendAToBAsync(10, firstSequence: 10);            // t = 1 s: light
        time.Advance(TimeSpan.FromMilliseconds(1200));
        await pair.SendAToBAsync(10, firstSequence: 20);            // t = 2.2 s: dark
        time.Advance(TimeSpan.FromMilliseconds(300));
        await pair.SendAToBAsync(10, firstSequence: 30);            // t = 2.5 s: light again

        await pair.B.WaitForCountAsync(20, Wait);
        Assert.Equal(20, pair.Relay.AToB.Counters.DroppedBlackout);
        Assert.Equal([.. Enumerable.Range(10, 10), .. Enumerable.Range(30, 10)], pair.B.Sequences());
    }

    [Fact]
    public async Task Drop_next_matching_removes_exactly_one_keyframe_packet()
    {
        await using var pair = await RelayPair.StartAsync(new FakeTimeProvider());

        // First packet of a VP8 keyframe: PT 96, payload descriptor S=1 (0x10), then the VP8 header with P=0 (key frame).
        DatagramPredicate keyframeStart = d =>
            DatagramPeek.TryGetRtp(d, out int pt, out _, out _, out _) && pt == 96 && d.Length > 13 && d[12] == 0x10 && (d[13] & 0x01) == 0;
        pair.Relay.AToB.DropNext(1, keyframeStart);

        var stream = new List<byte[]>();
        for (int frame = 0; frame < 6; frame++)
        {
            bool key = frame % 3 == 0;
            for (int part = 0; part < 3; part++)
            {
                byte[] descriptor = part == 0 ? [0x10, (byte)(key ? 0x00 : 0x01)] : [0x00, 0x00];
                stream.Add(UdpTestPeer.Rtp(stream.Count, 96, marker: part == 2, payloadStart: descriptor));
            }

            stream.Add(UdpTestPeer.Rtp(stream.Count, 111, marker: false, size: 60));   // audio between frames
        }

        foreach (var packet in stream)
        {
            pair.A.SendTo(pair.Relay.EndpointA, packet);
        }

        await pair.Relay.AToB.WaitForSettledAsync(stream.Count, Wait);
        await pair.B.WaitForCountAsync(stream.Count - 1, Wait);

        Assert.Equal(1, pair.Relay.AToB.Counters.DroppedPredicate);
        Assert.Equal(0, pair.Relay.AToB.DropNextRemaining);
        Assert.Equal(Enumerable.Range(1, stream.Count - 1), pair.B.Sequences());   // only frame 0's first packet is gone; frame 3's keyframe passes
    }

    [Fact]
    public async Task Counters_are_exact_when_impairments_combine()
    {
        var time = new FakeTimeProvider();
        await using var pair = await RelayPair.StartAsync(time);
        var direction = pair.Relay.AToB;
        direction.BlackoutFor(TimeSpan.FromMilliseconds(10));
        direction.DropNext(3, DatagramPeek.Rtp(97));
        direction.Delay = TimeSpan.FromMilliseconds(20);

        await pair.SendAToBAsync(5, firstSequence: 0);                              // blackout
        time.Advance(TimeSpan.FromMilliseconds(10));
        for (int seq = 5; seq < 25; seq++)
        {
            pair.A.SendTo(pair.Relay.EndpointA, UdpTestPeer.Rtp(seq, payloadType: seq % 2 == 0 ? 97 : 96));
        }

        await direction.WaitForAsync(c => c.Received == 25, Wait);
        Assert.Equal(new RelayCounters { Received = 25, DroppedBlackout = 5, DroppedPredicate = 3, Delayed = 17 }, direction.Counters);
        Assert.Equal(17, direction.Counters.InFlight);

        time.Advance(TimeSpan.FromMilliseconds(20));
        await pair.B.WaitForCountAsync(17, Wait);

        Assert.Equal(new RelayCounters { Received = 25, Forwarded = 17, DroppedBlackout = 5, DroppedPredicate = 3, Delayed = 17 }, direction.Counters);
        Assert.Equal(0, direction.Counters.InFlight);
        Assert.Equal(default, pair.Relay.BToA.Counters);
        Assert.Equal([5, 7, 9, 11, .. Enumerable.Range(12, 13)], pair.B.Sequences()); // 6, 8, 10 were the three PT 97 dropped
    }

    [Fact]
    public async Task Settings_are_validated()
    {
        await using var relay = UdpImpairmentRelay.Start();

        Assert.Throws<ArgumentOutOfRangeException>(() => relay.AToB.LossRate = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => relay.AToB.Delay = TimeSpan.FromMilliseconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => relay.BToA.DropNext(-1, _ => true));
    }
}

/// <summary>Two loopback peers with a relay between them whose peers are configured (so nothing is dropped for an unknown peer).</summary>
internal sealed class RelayPair : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private RelayPair(UdpTestPeer a, UdpTestPeer b, UdpImpairmentRelay relay)
    {
        A = a;
        B = b;
        Relay = relay;
    }

    public UdpTestPeer A { get; }

    public UdpTestPeer B { get; }

    public UdpImpairmentRelay Relay { get; }

    public static Task<RelayPair> StartAsync(TimeProvider time, int seed = 1)
    {
        var a = new UdpTestPeer();
        var b = new UdpTestPeer();
        var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { PeerA = a.EndPoint, PeerB = b.EndPoint, Seed = seed }, time);
        return Task.FromResult(new RelayPair(a, b, relay));
    }

    /// <summary>Sends RTP-shaped datagrams A→relay, in batches the socket buffers hold, and waits until the relay has judged them all.</summary>
    public async Task SendAToBAsync(int count, int size = 100, int firstSequence = 0)
    {
        const int Batch = 100;
        long already = Relay.AToB.Counters.Received;
        for (int i = 0; i < count; i++)
        {
            A.SendTo(Relay.EndpointA, UdpTestPeer.Rtp(firstSequence + i, size: size));
            if ((i + 1) % Batch == 0)
            {
                long target = already + i + 1;
                await Relay.AToB.WaitForAsync(c => c.Received >= target, Wait);
            }
        }

        long total = already + count;
        await Relay.AToB.WaitForAsync(c => c.Received >= total, Wait);
    }

    /// <summary>The same pair with a bottleneck link A→B: <paramref name="bitsPerSecond"/>, drop-tail past <paramref name="maxQueueDelay"/>.</summary>
    public static async Task<RelayPair> StartBottleneckAsync(TimeProvider time, long bitsPerSecond, TimeSpan maxQueueDelay)
    {
        var pair = await StartAsync(time);
        pair.Relay.AToB.BandwidthBitsPerSecond = bitsPerSecond;
        pair.Relay.AToB.MaxQueueDelay = maxQueueDelay;
        return pair;
    }

    /// <summary>
    /// Advances fake time by each step's milliseconds in turn and checks how many datagrams A→B had left the relay after
    /// it: a departure schedule written as data, exact to the millisecond because nothing leaves until time moves.
    /// </summary>
    public void AssertForwardedAfter(FakeTimeProvider time, params (int Milliseconds, long Forwarded)[] steps)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(steps);
        var elapsed = 0;
        foreach (var (milliseconds, forwarded) in steps)
        {
            time.Advance(TimeSpan.FromMilliseconds(milliseconds));
            elapsed += milliseconds;
            Assert.Equal((elapsed, forwarded), (elapsed, Relay.AToB.Counters.Forwarded));
        }
    }

    /// <summary>Waits until B has every one of the first <paramref name="count"/> datagrams and checks they came in order.</summary>
    public async Task AssertDeliveredInOrderAsync(int count)
    {
        await B.WaitForCountAsync(count, Wait);
        Assert.Equal(Enumerable.Range(0, count), B.Sequences());
    }

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
