using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;

[Collection(nameof(AllocationSensitive))]
public class DatagramTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Udp_loop_demultiplexes_by_first_byte_and_counts_the_rest()
    {
        await using var transport = new DatagramTransport();
        var socket = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var stun = new List<byte[]>();
        var dtls = new List<byte[]>();
        var rtp = new List<byte[]>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.StunPacketReceived = (d, _, s) =>
        {
            Assert.Same(socket, s);
            stun.Add(d.ToArray());
        };
        transport.DtlsPacketReceived = d => dtls.Add(d.ToArray());
        transport.RtpPacketReceived = d =>
        {
            rtp.Add(d.ToArray());
            if (d[1] == 0xFF)
            {
                done.TrySetResult();
            }
        };

        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var target = socket.LocalEndPoint;
        sender.SendTo(new byte[] { 0x00, 0x01, 0x00, 0x00 }, target);        // STUN range
        sender.SendTo(new byte[] { 0x16, 0xfe, 0xfd, 0x00 }, target);        // DTLS handshake
        sender.SendTo(new byte[] { 0x42, 0x00 }, target);                    // TURN channel: no handler here
        sender.SendTo(new byte[] { 0xff, 0x00 }, target);                    // nothing
        sender.SendTo(new byte[] { 0x80, 0x60, 0x00, 0x01 }, target);        // RTP
        sender.SendTo(new byte[] { 0x80, 0xFF }, target);                    // RTP marker: last one
        await done.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Single(stun);
        Assert.Equal([0x16, 0xfe, 0xfd, 0x00], Assert.Single(dtls));
        Assert.Equal(2, rtp.Count);
        Assert.Equal(6, transport.Counters.Received);
        Assert.Equal(2, transport.Counters.Dropped);
    }

    [Fact]
    public async Task Handler_exception_does_not_stop_the_loop()
    {
        await using var transport = new DatagramTransport();
        var socket = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.RtpPacketReceived = d =>
        {
            if (d[1] == 1)
            {
                throw new InvalidOperationException("handler bug");
            }

            second.TrySetResult();
        };
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.SendTo(new byte[] { 0x80, 1 }, socket.LocalEndPoint);
        sender.SendTo(new byte[] { 0x80, 2 }, socket.LocalEndPoint);
        await second.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Receive_loop_does_not_allocate_per_datagram()
    {
        await using var transport = new DatagramTransport();
        var socket = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        const int Count = 20_000;
        const int WarmUp = 100;
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Measured on the loop's own thread between consecutive datagrams that it handled without
        // changing thread (the datagram was already queued): exactly the cost of one loop iteration,
        // immune to whatever other threads of the test host allocate meanwhile.
        var measuring = false;
        var lastThread = -1;
        var lastBytes = 0L;
        var loopBytes = 0L;
        var intervals = 0;
        transport.RtpPacketReceived = _ =>
        {
            var thread = Environment.CurrentManagedThreadId;
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            if (measuring && thread == lastThread)
            {
                loopBytes += bytes - lastBytes;
                intervals++;
            }

            lastThread = thread;
            lastBytes = GC.GetAllocatedBytesForCurrentThread();
            var count = Interlocked.Increment(ref received);
            if (!measuring && count >= WarmUp)
            {
                warmedUp.TrySetResult();
            }
            else if (measuring && count == Count)
            {
                done.TrySetResult();
            }
        };
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.ReceiveBufferSize = 1 << 20;
        var target = socket.LocalEndPoint.Serialize();
        var packet = new byte[1200];
        packet[0] = 0x80;

        // Warm up the socket's async machinery, then measure.
        for (var i = 0; i < WarmUp; i++)
        {
            sender.SendTo(packet, SocketFlags.None, target);
        }

        await warmedUp.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Interlocked.Exchange(ref received, 0);
        measuring = true;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var sent = 0;

        // Bursts keep datagrams queued, so the loop measures our path, not the runtime's cost of parking
        // an idle socket (a few hundred bytes per wait on Linux, paid once per burst here).
        const int Burst = 200;
        while (!done.Task.IsCompleted && sent < Count * 3)
        {
            for (var i = 0; i < Burst; i++)
            {
                sender.SendTo(packet, SocketFlags.None, target);
            }

            sent += Burst;
            var expected = Math.Min(sent, Count);
            var deadline = DateTime.UtcNow + TimeSpan.FromMilliseconds(200);
            while (Volatile.Read(ref received) < expected && DateTime.UtcNow < deadline)
            {
                await Task.Yield(); // loopback may drop a few under load; the deadline moves on
            }
        }

        await done.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var processPerDatagram = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / Count;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"loop: {loopBytes} bytes over {intervals} same-thread iterations; whole process: {processPerDatagram:F2} bytes/datagram");

        Assert.True(intervals > Count / 2, $"only {intervals} same-thread iterations");
        // Any per-datagram allocation would be at least 24 bytes each; the odd runtime-internal
        // allocation (a few hundred bytes in a whole run) is not per datagram.
        Assert.True((double)loopBytes / intervals < 1, $"{loopBytes} bytes over {intervals} iterations");
    }

    [Fact]
    public async Task Dispose_ends_receive_loops()
    {
        var transport = new DatagramTransport();
        transport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        transport.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        Assert.False(transport.AllLoopsCompleted);
        await transport.DisposeAsync();
        Assert.True(transport.AllLoopsCompleted);
        Assert.Throws<ObjectDisposedException>(() => transport.Bind(new IPEndPoint(IPAddress.Loopback, 0)));
    }
}
