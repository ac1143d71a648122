using System.Net;
using CallBot.Rtc.Turn;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>The per-datagram paths, driven without a server: bytes written and allocations.</summary>
public sealed class TurnDataPathTests
{
    private static readonly TurnAllocation Allocation = new(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000), null, TimeSpan.FromMinutes(10));
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("198.51.100.7"), 5000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false, new byte[] { 0x40, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC })]       // UDP: channel 0x4000, length 3, no padding
    [InlineData(true, new byte[] { 0x40, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00 })] // TCP/TLS: padded to 4 (RFC 8656 §12.5)
    public async Task Sends_ChannelData_with_the_header_written_in_place(bool reliable, byte[] expected)
    {
        var transport = new NullTurnTransport(reliable);
        await using var client = new TurnClient(Options());
        var relay = client.AttachForTests(transport, Allocation);
        client.BindLocallyForTests(Peer, ChannelData.MinChannel);

        Assert.True(relay.TrySendTo([0xAA, 0xBB, 0xCC], Peer.Serialize()));

        Assert.Equal(expected, transport.LastFrame.AsSpan(0, transport.LastFrameLength).ToArray());
    }

    [Fact]
    public async Task Received_ChannelData_surfaces_with_the_peer_address()
    {
        await using var client = new TurnClient(Options());
        var relay = client.AttachForTests(new NullTurnTransport(false), Allocation);
        client.BindLocallyForTests(Peer, 0x4001);

        client.OnFrame([0x40, 0x01, 0x00, 0x02, 0x11, 0x22, 0x00, 0x00]); // channel 0x4001, 2 bytes + padding

        var buffer = new byte[16];
        var source = new SocketAddress(System.Net.Sockets.AddressFamily.InterNetwork);
        var length = await relay.ReceiveFromAsync(buffer, source, Ct);
        Assert.Equal([0x11, 0x22], buffer[..length]);
        Assert.Equal(Peer, new IPEndPoint(IPAddress.Any, 0).Create(source));
    }

    [Fact]
    public async Task Send_and_receive_through_the_channel_allocate_nothing()
    {
        var transport = new NullTurnTransport(false);
        await using var client = new TurnClient(Options());
        var relay = client.AttachForTests(transport, Allocation);
        client.BindLocallyForTests(Peer, ChannelData.MinChannel);
        var peer = Peer.Serialize();
        var payload = new byte[1200];
        var frame = new byte[ChannelData.HeaderSize + 1200];
        ChannelData.WriteHeader(frame, ChannelData.MinChannel, 1200);
        var buffer = new byte[2048];
        var source = new SocketAddress(System.Net.Sockets.AddressFamily.InterNetwork);

        void RoundTrip()
        {
            relay.TrySendTo(payload, peer);
            client.OnFrame(frame);
            var pending = relay.ReceiveFromAsync(buffer, source, CancellationToken.None);
            if (!pending.IsCompletedSuccessfully || pending.Result != 1200)
            {
                // Data was queued, so the read completes synchronously (no Assert here: it would allocate).
                throw new InvalidOperationException("queued datagram was not returned synchronously");
            }
        }

        for (var i = 0; i < 2000; i++)
        {
            RoundTrip(); // warm pools and JIT
        }

        const int RoundTrips = 10_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < RoundTrips; i++)
        {
            RoundTrip();
        }

        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, RoundTrips, "ChannelData round trips");
        Assert.Equal(2000 + RoundTrips, client.Counters[TurnCounter.ChannelDataSent]);
        Assert.Equal(2000 + RoundTrips, client.Counters[TurnCounter.ChannelDataReceived]);
    }

    [Fact]
    public async Task A_full_receive_queue_drops_and_counts()
    {
        var options = Options();
        options.ReceiveQueueCapacity = 2;
        await using var client = new TurnClient(options);
        client.AttachForTests(new NullTurnTransport(false), Allocation);
        client.BindLocallyForTests(Peer, ChannelData.MinChannel);

        for (var i = 0; i < 5; i++)
        {
            client.OnFrame([0x40, 0x00, 0x00, 0x01, (byte)i]);
        }

        Assert.Equal(3, client.Counters.Drops[TurnDropReason.ReceiveQueueFull]);
    }

    [Fact]
    public async Task Data_indication_from_a_peer_without_permission_is_dropped()
    {
        await using var client = new TurnClient(Options());
        var relay = client.AttachForTests(new NullTurnTransport(false), Allocation);
        byte[] transactionId = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var frame = new byte[64];
        var writer = new CallBot.Rtc.Stun.StunWriter(frame, CallBot.Rtc.Stun.StunMessageType.Encode(CallBot.Rtc.Stun.StunMethod.Data, CallBot.Rtc.Stun.StunClass.Indication), transactionId);
        var address = new byte[8];
        CallBot.Rtc.Stun.StunXorAddress.Encode(Peer, transactionId, address);
        writer.AddAttribute(TurnAttributeType.XorPeerAddress, address);
        writer.AddAttribute(TurnAttributeType.Data, new byte[] { 1, 2, 3 });
        Assert.True(writer.TryComplete(out var length));

        client.OnFrame(frame.AsSpan(0, length));
        Assert.Equal(1, client.Counters.Drops[TurnDropReason.NoPermission]);

        client.BindLocallyForTests(Peer, ChannelData.MinChannel); // now permitted
        client.OnFrame(frame.AsSpan(0, length));
        Assert.Equal(1, client.Counters[TurnCounter.DataIndicationsReceived]);
        var buffer = new byte[8];
        var source = new SocketAddress(System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.Equal(3, await relay.ReceiveFromAsync(buffer, source, Ct));
    }

    private static TurnClientOptions Options() => new()
    {
        Server = new TurnServerUrl("127.0.0.1", 3478, TurnTransportKind.Udp),
        Username = "u",
        Password = "p",
        ReleaseTimeout = TimeSpan.Zero, // no server behind the null transport: skip the LIFETIME 0 release
    };
}
