using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Transport.Impairment;

public sealed class ImpairedDatagramSocketTests
{
    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 5000);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Uplink_delay_releases_each_datagram_at_its_due_time_through_the_shared_timer()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        using var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(50) }, LinkImpairment.None), scheduler, seed: 1);
        var peer = Peer.Serialize();

        for (var i = 0; i < 10; i++)
        {
            Assert.True(socket.TrySendTo([(byte)i, 1, 2, 3], peer));
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        // t = 100 ms: datagrams sent at 0..50 ms are out (due 50..100 ms), the rest still queued.
        Assert.Equal(6, inner.Sent.Count);
        Assert.Equal(4, scheduler.Pending);
        for (var step = 0; step < 5; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10)); // FakeTimeProvider fires a timer at the end of an Advance
        }

        Assert.Equal(10, inner.Sent.Count);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal((byte)i, inner.Sent[i].Bytes[0]);
            Assert.Equal(TimeSpan.FromMilliseconds((i * 10) + 50), inner.Sent[i].At);
            Assert.Equal(Peer, inner.Sent[i].To);
        }

        Assert.Equal(10, socket.UplinkCounters[ImpairmentCounter.Delayed]);
    }

    [Fact]
    public void Uplink_loss_and_blackout_are_counted_and_never_reach_the_inner_socket()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        var uplink = new LinkImpairment { LossRate = 0.1, Blackouts = [new BlackoutWindow(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))] };
        using var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(uplink, LinkImpairment.None), scheduler, seed: 3);
        var peer = Peer.Serialize();
        for (var i = 0; i < 3000; i++)
        {
            socket.TrySendTo(new byte[100], peer);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(1000, socket.UplinkCounters[ImpairmentCounter.DroppedBlackout]);
        Assert.InRange(socket.UplinkCounters[ImpairmentCounter.DroppedLoss], 150, 250); // 10% of the 2000 outside the blackout
        Assert.Equal(3000 - 1000 - socket.UplinkCounters[ImpairmentCounter.DroppedLoss], inner.Sent.Count);
        Assert.DoesNotContain(inner.Sent, s => s.At >= TimeSpan.FromSeconds(1) && s.At < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Uplink_bandwidth_cap_limits_what_leaves_per_second()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        using var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(new LinkImpairment { BandwidthKbps = 400, BurstBytes = 1000 }, LinkImpairment.None), scheduler, seed: 1);
        var peer = Peer.Serialize();
        for (var i = 0; i < 2000; i++)
        {
            socket.TrySendTo(new byte[1000], peer); // 8 Mbit/s offered
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var firstTwoSeconds = inner.Sent.Count(s => s.At < TimeSpan.FromSeconds(2));
        Assert.InRange(firstTwoSeconds * 1000 * 8 / 2.0 / 1000, 390, 410); // kbit/s
        Assert.True(socket.UplinkCounters[ImpairmentCounter.DroppedQueueFull] > 1500);
    }

    [Fact]
    public async Task Downlink_delay_and_loss_apply_to_received_datagrams_with_their_source()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        var downlink = new LinkImpairment { Delay = TimeSpan.FromMilliseconds(30), LossRate = 0.5 };
        using var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(LinkImpairment.None, downlink), scheduler, seed: 8);
        var remote = new SocketAddress(AddressFamily.InterNetworkV6);
        var buffer = new byte[2048];
        var first = socket.ReceiveFromAsync(buffer, remote, TestContext.Current.CancellationToken).AsTask();

        for (var i = 0; i < 100; i++)
        {
            inner.Deliver([(byte)i, 9, 9]);
        }

        await inner.WhenPumpDrainedAsync(100).WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.False(first.IsCompleted); // everything is still delayed
        var delivered = socket.DownlinkCounters[ImpairmentCounter.Delivered];
        Assert.InRange(delivered, 35, 65);
        Assert.Equal(100 - delivered, socket.DownlinkCounters[ImpairmentCounter.DroppedLoss]);

        time.Advance(TimeSpan.FromMilliseconds(30));
        var received = new List<byte> { buffer[(await first.WaitAsync(Wait, TestContext.Current.CancellationToken)) > 0 ? 0 : 0] };
        Assert.Equal(Peer, (IPEndPoint)Peer.Create(remote));
        for (var i = 1; i < delivered; i++)
        {
            var length = await socket.ReceiveFromAsync(buffer, remote, TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait, TestContext.Current.CancellationToken);
            Assert.Equal(3, length);
            received.Add(buffer[0]);
        }

        Assert.Equal(received.Order(), received); // no jitter, no reorder: order kept
    }

    [Fact]
    public void Unimpaired_directions_pass_straight_through_and_the_factory_skips_wrapping_when_nothing_is_impaired()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        using var socket = new ImpairedDatagramSocket(inner, ImpairmentProfile.None, scheduler, 1);
        Assert.True(socket.TrySendTo([1, 2], Peer.Serialize()));
        Assert.Single(inner.Sent);
        Assert.Equal(0, scheduler.Pending);

        var network = new InMemoryNetwork();
        var host = network.AddHost(IPAddress.Parse("10.0.0.1"));
        var plain = new ImpairedSocketFactory(host, ImpairmentProfile.None, scheduler);
        using var s1 = plain.Bind(new IPEndPoint(IPAddress.Any, 0));
        Assert.IsNotType<ImpairedDatagramSocket>(s1);
        var lossy = new ImpairedSocketFactory(host, new ImpairmentProfile(new LinkImpairment { LossRate = 0.5 }, LinkImpairment.None), scheduler);
        using var s2 = lossy.Bind(new IPEndPoint(IPAddress.Any, 0));
        Assert.IsType<ImpairedDatagramSocket>(s2);
        Assert.Equal(host.GetHostAddresses(), lossy.GetHostAddresses());
    }

    [Fact]
    public async Task Impaired_sockets_over_the_in_memory_network_deliver_after_the_delay()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var network = new InMemoryNetwork();
        var profile = new ImpairmentProfile(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(40) }, LinkImpairment.None);
        using var a = new ImpairedSocketFactory(network.AddHost(IPAddress.Parse("10.0.0.1")), profile, scheduler).Bind(new IPEndPoint(IPAddress.Any, 0));
        using var b = network.AddHost(IPAddress.Parse("10.0.0.2")).Bind(new IPEndPoint(IPAddress.Any, 0));
        Assert.True(a.TrySendTo([7, 7, 7], new IPEndPoint(IPAddress.Parse("10.0.0.2"), b.LocalEndPoint.Port).Serialize()));
        Assert.Equal(0, network.Delivered);
        time.Advance(TimeSpan.FromMilliseconds(39));
        Assert.Equal(0, network.Delivered);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, network.Delivered);
        var buffer = new byte[16];
        var remote = new SocketAddress(AddressFamily.InterNetwork);
        Assert.Equal(3, await b.ReceiveFromAsync(buffer, remote, TestContext.Current.CancellationToken).AsTask().WaitAsync(Wait, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_control_changes_the_uplink_mid_run_and_a_shorter_delay_drains_behind_the_queue()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        var control = new ImpairmentControl(ImpairmentProfile.None);
        var factory = new ImpairedSocketFactory(new SingleSocketFactory(inner), control, scheduler);
        using var socket = factory.Bind(new IPEndPoint(IPAddress.Any, 0));
        var peer = Peer.Serialize();

        socket.TrySendTo([0], peer); // clean: out at once
        Assert.Equal(TimeSpan.Zero, Assert.Single(inner.Sent).At);

        control.Set(new ImpairmentProfile(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(100) }, LinkImpairment.None));
        Assert.Same(control.Profile, factory.Profile);
        socket.TrySendTo([1], peer); // t = 0, due 100 ms
        time.Advance(TimeSpan.FromMilliseconds(10));

        control.Set(ImpairmentProfile.None);
        socket.TrySendTo([2], peer); // t = 10 ms: clean again, but queued behind datagram 1 like a draining router queue
        time.Advance(TimeSpan.FromMilliseconds(89));
        Assert.Single(inner.Sent);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([(byte)0, 1, 2], inner.Sent.Select(s => s.Bytes[0]));
        Assert.Equal(TimeSpan.FromMilliseconds(100), inner.Sent[2].At);

        socket.TrySendTo([3], peer); // the queue has drained: out at once
        Assert.Equal(TimeSpan.FromMilliseconds(100), inner.Sent[3].At);

        control.Set(new ImpairmentProfile(new LinkImpairment { LossRate = 1 }, LinkImpairment.None));
        socket.TrySendTo([4], peer);
        Assert.Equal(4, inner.Sent.Count);
        Assert.Equal(1, ((ImpairedDatagramSocket)socket).UplinkCounters[ImpairmentCounter.DroppedLoss]);
    }

    [Fact]
    public async Task A_control_impairs_the_downlink_of_a_socket_that_started_clean()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        var control = new ImpairmentControl(ImpairmentProfile.None);
        using var socket = new ImpairedDatagramSocket(inner, control, scheduler, seed: 2);
        var remote = new SocketAddress(AddressFamily.InterNetworkV6);
        var buffer = new byte[64];
        var ct = TestContext.Current.CancellationToken;

        inner.Deliver([1]);
        Assert.Equal(1, await socket.ReceiveFromAsync(buffer, remote, ct).AsTask().WaitAsync(Wait, ct));
        await inner.WhenPumpDrainedAsync(1).WaitAsync(Wait, ct);

        control.Set(new ImpairmentProfile(LinkImpairment.None, new LinkImpairment { Delay = TimeSpan.FromMilliseconds(40) }));
        var second = socket.ReceiveFromAsync(buffer, remote, ct).AsTask();
        inner.Deliver([2]);
        await inner.WhenPumpDrainedAsync(2).WaitAsync(Wait, ct);
        Assert.False(second.IsCompleted); // held by the new 40 ms downlink delay
        time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal(1, await second.WaitAsync(Wait, ct));
        Assert.Equal(2, buffer[0]);
        Assert.Equal(1, socket.DownlinkCounters[ImpairmentCounter.Delayed]);
    }

    [Fact]
    public void Datagrams_due_after_dispose_are_dropped_and_sends_after_dispose_fail()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CaptureSocket(time);
        var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(10) }, LinkImpairment.None), scheduler, 1);
        socket.TrySendTo([1], Peer.Serialize());
        socket.Dispose();
        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Empty(inner.Sent);
        Assert.True(inner.Disposed);
        Assert.False(socket.TrySendTo([1], Peer.Serialize()));
        Assert.Equal(0, scheduler.Pending);
    }

    [Fact]
    public void Delayed_sends_allocate_nothing_once_the_pool_is_warm()
    {
        var time = new FakeTimeProvider();
        using var scheduler = new ImpairmentScheduler(time);
        var inner = new CountingSocket();
        using var socket = new ImpairedDatagramSocket(inner, new ImpairmentProfile(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(5), LossRate = 0.01 }, LinkImpairment.None), scheduler, 1);
        var peer = Peer.Serialize();
        var datagram = new byte[1200];
        long Run(int packets)
        {
            // Counts only our send path (decide, copy into a pooled datagram, queue, re-arm the one timer); FakeTimeProvider's
            // own Advance bookkeeping, which releases the due datagrams, is outside the measured span.
            long allocated = 0;
            for (var i = 0; i < packets; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                socket.TrySendTo(datagram, peer);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            return allocated;
        }

        Run(2000); // warm: pool, queue capacity
        var allocated = Run(5000);
        Assert.True(inner.Sent > 6500);
        AllocationAssert.LessThanOneBytePerOperation(allocated, 5000, "impaired sends");
    }

    private sealed class SingleSocketFactory(IDatagramSocket socket) : IDatagramSocketFactory
    {
        public IDatagramSocket Bind(IPEndPoint localEndPoint) => socket;

        public IReadOnlyList<IPAddress> GetHostAddresses() => [IPAddress.Loopback];
    }

    private sealed class CountingSocket : IDatagramSocket
    {
        public int Sent { get; private set; }

        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 6001);

        public AddressFamily AddressFamily => AddressFamily.InterNetwork;

        public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) => throw new NotSupportedException();

        public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
        {
            Sent++;
            return true;
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Records sends with their fake time; feeds receives from a queue and tells when the pump has taken N of them.</summary>
    private sealed class CaptureSocket(TimeProvider time) : IDatagramSocket
    {
        private readonly long _start = time.GetTimestamp();
        private readonly Channel<byte[]> _incoming = Channel.CreateUnbounded<byte[]>();
        private readonly Lock _gate = new();
        private int _taken;
        private (int Count, TaskCompletionSource Done)? _drained;

        public List<(byte[] Bytes, TimeSpan At, IPEndPoint To)> Sent { get; } = [];

        public bool Disposed { get; private set; }

        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 6000);

        public AddressFamily AddressFamily => AddressFamily.InterNetwork;

        public void Deliver(byte[] datagram) => _incoming.Writer.TryWrite(datagram);

        /// <summary>Completes when the pump asks for datagram count+1, i.e. it has handled the first <paramref name="count"/>.</summary>
        public Task WhenPumpDrainedAsync(int count)
        {
            lock (_gate)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_taken >= count)
                {
                    done.SetResult();
                }

                _drained = (count, done);
                return done.Task;
            }
        }

        public async ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_drained is { } d && _taken >= d.Count)
                {
                    d.Done.TrySetResult();
                }
            }

            var datagram = await _incoming.Reader.ReadAsync(cancellationToken);
            lock (_gate)
            {
                _taken++;
            }

            datagram.CopyTo(buffer);
            var source = Peer.Serialize();
            source.Buffer.Span[..source.Size].CopyTo(remote.Buffer.Span);
            remote.Size = source.Size;
            return datagram.Length;
        }

        public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
        {
            Sent.Add((datagram.ToArray(), time.GetElapsedTime(_start), (IPEndPoint)Peer.Create(remote)));
            return true;
        }

        public void Dispose()
        {
            Disposed = true;
            _incoming.Writer.TryComplete();
        }
    }
}
