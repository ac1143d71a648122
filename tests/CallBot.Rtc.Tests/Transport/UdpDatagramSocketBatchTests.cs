using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

/// <summary>
/// Batched UDP on loopback: <c>sendmmsg</c>/<c>recvmmsg</c> on Linux, and the one-call-a-datagram fallback, both
/// delivering every datagram intact and in order.
/// </summary>
[Collection(nameof(AllocationSensitive))]
public sealed class UdpDatagramSocketBatchTests
{
    private const int Datagrams = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_sent_batch_arrives_intact_and_in_order(bool multiMessage)
    {
        using var sender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0), multiMessage);
        using var receiver = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0), multiMessage);
        Assert.Equal(multiMessage && OperatingSystem.IsLinux(), sender.CanReceiveQueued);
        var batch = new DatagramBatch(Datagrams, DatagramTransport.ReceiveBufferSize);
        var target = receiver.LocalEndPoint.Serialize();
        for (var i = 0; i < Datagrams; i++)
        {
            Assert.True(batch.TryAdd(Datagram(i), target));
        }

        Assert.Equal(Datagrams, sender.SendBatch(batch));

        var buffer = new byte[DatagramTransport.ReceiveBufferSize];
        var source = new SocketAddress(AddressFamily.InterNetwork);
        for (var i = 0; i < Datagrams; i++)
        {
            var length = await receiver.ReceiveFromAsync(buffer, source, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
            Assert.Equal(Datagram(i), buffer[..length]);
            Assert.Equal(sender.LocalEndPoint, new IPEndPoint(IPAddress.Any, 0).Create(source));
        }
    }

    [Fact]
    public async Task Queued_datagrams_come_out_of_recvmmsg_in_order_with_their_source()
    {
        Assert.True(OperatingSystem.IsLinux(), "the suite runs on Linux, where recvmmsg must be used");
        using var sender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        var target = receiver.LocalEndPoint.Serialize();
        for (var i = 0; i < Datagrams; i++)
        {
            Assert.True(sender.TrySendTo(Datagram(i), target));
        }

        // Loopback delivers within sendto; whatever is not queued yet is waited for with the ordinary async receive.
        var batch = new DatagramBatch(8, DatagramTransport.ReceiveBufferSize);
        var buffer = new byte[DatagramTransport.ReceiveBufferSize];
        var source = new SocketAddress(AddressFamily.InterNetwork);
        var received = new List<byte[]>();
        var batched = 0;
        while (received.Count < Datagrams)
        {
            var count = receiver.ReceiveQueued(batch);
            batched += count;
            for (var i = 0; i < count; i++)
            {
                Assert.False(batch.IsTruncated(i));
                batch.CopyRemoteTo(i, source);
                Assert.Equal(sender.LocalEndPoint, new IPEndPoint(IPAddress.Any, 0).Create(source));
                received.Add(batch.Datagram(i).ToArray());
            }

            if (count == 0)
            {
                var length = await receiver.ReceiveFromAsync(buffer, source, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
                received.Add(buffer[..length]);
            }
        }

        Assert.Equal(Enumerable.Range(0, Datagrams).Select(Datagram), received);
        Assert.True(batched > 1, $"only {batched} datagrams came through recvmmsg");
        Assert.Equal(0, receiver.ReceiveQueued(batch));
    }

    [Fact]
    public async Task A_datagram_longer_than_a_slot_is_flagged_truncated()
    {
        using var sender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        var target = receiver.LocalEndPoint.Serialize();
        Assert.True(sender.TrySendTo(new byte[3000], target));
        Assert.True(sender.TrySendTo(Datagram(1), target));

        var batch = new DatagramBatch(4, DatagramTransport.ReceiveBufferSize);
        var taken = new List<(bool Truncated, int Length)>();
        while (taken.Count < 2)
        {
            var count = receiver.ReceiveQueued(batch);
            for (var i = 0; i < count; i++)
            {
                taken.Add((batch.IsTruncated(i), batch.Datagram(i).Length));
            }

            if (count == 0)
            {
                // Not queued yet: wait for readability by receiving the next one the ordinary way.
                var buffer = new byte[4096];
                var length = await receiver.ReceiveFromAsync(buffer, new SocketAddress(AddressFamily.InterNetwork), TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
                taken.Add((length > DatagramTransport.ReceiveBufferSize, length));
            }
        }

        Assert.True(taken[0].Truncated);
        Assert.Equal((false, Datagram(1).Length), taken[1]);
    }

    [Fact]
    public void Batches_allocate_nothing_per_call()
    {
        using var sender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        using var receiver = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        var target = receiver.LocalEndPoint.Serialize();
        var send = new DatagramBatch(8, DatagramTransport.ReceiveBufferSize);
        var receive = new DatagramBatch(8, DatagramTransport.ReceiveBufferSize);
        for (var i = 0; i < 8; i++)
        {
            send.TryAdd(Datagram(i), target);
        }

        var source = new SocketAddress(AddressFamily.InterNetwork);
        sender.SendBatch(send);
        receiver.ReceiveQueued(receive);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 100; round++)
        {
            sender.SendBatch(send);
            var count = receiver.ReceiveQueued(receive);
            for (var i = 0; i < count; i++)
            {
                receive.CopyRemoteTo(i, source);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task The_transport_dispatches_a_burst_in_order_through_the_batched_loop()
    {
        await using var transport = new DatagramTransport();
        var socket = transport.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Assert.True(socket.CanReceiveQueued);
        var received = new List<byte[]>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        transport.RtpPacketReceived = d =>
        {
            received.Add(d.ToArray());
            if (received.Count == Datagrams * 3)
            {
                done.TrySetResult();
            }
        };

        using var sender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0));
        var batch = new DatagramBatch(Datagrams, DatagramTransport.ReceiveBufferSize);
        var target = socket.LocalEndPoint.Serialize();
        for (var burst = 0; burst < 3; burst++)
        {
            batch.Clear();
            for (var i = 0; i < Datagrams; i++)
            {
                batch.TryAdd(Datagram((burst * Datagrams) + i), target);
            }

            Assert.Equal(Datagrams, sender.SendBatch(batch));
        }

        await done.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, Datagrams * 3).Select(Datagram), received);
        Assert.Equal(Datagrams * 3, transport.Counters[TransportCounter.Received]);
        Assert.Equal(0, transport.Counters[TransportCounter.Truncated]);
    }

    /// <summary>RTP-looking (first byte 0x80) datagram number i, its length and content depending on i.</summary>
    private static byte[] Datagram(int i)
    {
        var datagram = new byte[40 + (i * 37 % 1200)];
        datagram[0] = 0x80;
        BinaryPrimitives.WriteInt32BigEndian(datagram.AsSpan(4), i);
        for (var b = 8; b < datagram.Length; b++)
        {
            datagram[b] = (byte)(i + b);
        }

        return datagram;
    }
}
