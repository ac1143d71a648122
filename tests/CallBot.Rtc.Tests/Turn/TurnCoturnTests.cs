using System.Net;
using CallBot.Rtc.Turn;
using CallBot.TestSupport.Coturn;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>The TURN client against a real coturn on loopback, over UDP, TCP and TLS.</summary>
public sealed class TurnCoturnTests(CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(TurnTransportKind.Udp)]
    [InlineData(TurnTransportKind.Tcp)]
    [InlineData(TurnTransportKind.Tls)]
    public async Task Allocates_a_relayed_address_on_the_servers_relay_range(TurnTransportKind transport)
    {
        await using var client = new TurnClient(Options(transport));

        var allocation = await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);

        Assert.Equal(IPAddress.Loopback, allocation.RelayedEndPoint.Address);
        Assert.InRange(allocation.RelayedEndPoint.Port, coturn.MinRelayPort, coturn.MaxRelayPort);
        Assert.Equal(IPAddress.Loopback, allocation.MappedEndPoint?.Address);
        Assert.Equal(TimeSpan.FromMinutes(10), allocation.Lifetime);
        Assert.Equal(allocation.RelayedEndPoint, client.RelaySocket!.LocalEndPoint);
        Assert.Equal(2, client.Counters[TurnCounter.RequestsSent]); // unauthenticated Allocate → 401 → authenticated Allocate
        Assert.Equal(1, client.Counters[TurnCounter.Allocations]);
    }

    [Theory]
    [InlineData(TurnTransportKind.Udp)]
    [InlineData(TurnTransportKind.Tcp)]
    [InlineData(TurnTransportKind.Tls)]
    public async Task Channel_carries_data_both_ways_between_relay_and_a_udp_peer(TurnTransportKind transport)
    {
        using var peer = new TurnTestPeer();
        await using var client = new TurnClient(Options(transport));
        var allocation = await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);
        var relay = client.RelaySocket!;

        var channel = await client.BindChannelAsync(peer.EndPoint, Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(ChannelData.MinChannel, channel);

        // Odd length: over TCP/TLS the ChannelData frame needs 3 bytes of padding (RFC 8656 §12.5).
        var outbound = "relay → peer, 29 bytes long!!"u8.ToArray();
        Assert.True(relay.TrySendTo(outbound, peer.EndPoint.Serialize()));
        var (received, from) = await peer.ReceiveAsync();
        Assert.Equal(outbound, received);
        Assert.Equal(allocation.RelayedEndPoint, from);

        var inbound = new byte[1201];
        Random.Shared.NextBytes(inbound);
        await peer.SendAsync(inbound, allocation.RelayedEndPoint);
        var (payload, source) = await ReceiveAsync(relay);
        Assert.Equal(inbound, payload);
        Assert.Equal(peer.EndPoint, source);

        Assert.Equal(1, client.Counters[TurnCounter.ChannelDataSent]);
        Assert.Equal(1, client.Counters[TurnCounter.ChannelDataReceived]);
        Assert.Equal(0, client.Counters[TurnCounter.SendIndicationsSent]);
        Assert.Equal(0, client.Counters.Drops.Total);
    }

    [Fact]
    public async Task Sending_to_a_new_peer_sets_up_permission_and_channel_by_itself()
    {
        using var peer = new TurnTestPeer();
        await using var client = new TurnClient(Options(TurnTransportKind.Udp));
        var allocation = await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);
        var relay = client.RelaySocket!;

        // No permission yet: the datagram waits for CreatePermission, then leaves as a Send indication.
        Assert.True(relay.TrySendTo([1, 2, 3], peer.EndPoint.Serialize()));
        Assert.Equal([1, 2, 3], (await peer.ReceiveAsync()).Payload);

        // The peer may answer as soon as the permission exists (Data indication or ChannelData).
        await peer.SendAsync([4, 5], allocation.RelayedEndPoint);
        var (payload, source) = await ReceiveAsync(relay);
        Assert.Equal([4, 5], payload);
        Assert.Equal(peer.EndPoint, source);

        // The background ChannelBind completes; from then on data goes as ChannelData.
        Assert.Equal(ChannelData.MinChannel, await client.BindChannelAsync(peer.EndPoint, Ct).WaitAsync(Timeout, Ct));
        var sentBefore = client.Counters[TurnCounter.ChannelDataSent];
        Assert.True(relay.TrySendTo([6], peer.EndPoint.Serialize()));
        Assert.Equal([6], (await peer.ReceiveAsync()).Payload);
        Assert.Equal(sentBefore + 1, client.Counters[TurnCounter.ChannelDataSent]);
        Assert.Equal(1, client.Counters[TurnCounter.SendIndicationsSent]);
    }

    [Fact]
    public async Task Peer_without_permission_is_not_relayed()
    {
        using var allowed = new TurnTestPeer();
        using var stranger = new TurnTestPeer();
        var strangerOnOtherIp = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0);
        using var otherIp = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        otherIp.Bind(strangerOnOtherIp);
        await using var client = new TurnClient(Options(TurnTransportKind.Udp));
        var allocation = await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);
        await client.BindChannelAsync(allowed.EndPoint, Ct).WaitAsync(Timeout, Ct);

        // 127.0.0.2 has no permission: coturn drops it. The allowed peer's datagram sent after it arrives alone.
        await otherIp.SendToAsync(new byte[] { 9, 9, 9 }, allocation.RelayedEndPoint, Ct);
        await allowed.SendAsync([7], allocation.RelayedEndPoint);
        var (payload, source) = await ReceiveAsync(client.RelaySocket!);
        Assert.Equal([7], payload);
        Assert.Equal(allowed.EndPoint, source);
    }

    [Fact]
    public async Task Wrong_password_surfaces_401_without_a_retry_storm()
    {
        var options = Options(TurnTransportKind.Udp);
        options.Password = "not-the-password";
        await using var client = new TurnClient(options);

        var failure = await Assert.ThrowsAsync<TurnErrorResponseException>(() => client.AllocateAsync(Ct).WaitAsync(Timeout, Ct));

        Assert.Equal(TurnErrorCode.Unauthorized, failure.Code);
        Assert.Equal(2, client.Counters[TurnCounter.RequestsSent]); // the challenge and one authenticated attempt, no Polly retries
        Assert.Null(client.RelaySocket);
    }

    [Fact]
    public async Task Refresh_keeps_the_allocation_alive_and_close_sends_lifetime_zero()
    {
        await using var client = new TurnClient(Options(TurnTransportKind.Udp));
        await client.AllocateAsync(Ct).WaitAsync(Timeout, Ct);

        var lifetime = await client.RefreshAsync(Ct).WaitAsync(Timeout, Ct);
        Assert.Equal(TimeSpan.FromMinutes(10), lifetime);

        var relayed = client.Allocation!.RelayedEndPoint;
        await client.DisposeAsync();
        Assert.Equal(2, client.Counters[TurnCounter.Refreshes]);
        Assert.Contains("lifetime=0", coturn.ReadLog(), StringComparison.Ordinal);

        // The relayed port is free again: a new allocation from another client works and the old socket is closed.
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.RelaySocket!.ReceiveFromAsync(new byte[10], relayed.Serialize(), Ct));
    }

    private TurnClientOptions Options(TurnTransportKind transport) => new()
    {
        Server = TurnServerUrl.Parse(transport switch
        {
            TurnTransportKind.Tcp => coturn.TcpUrl,
            TurnTransportKind.Tls => coturn.TlsUrl,
            _ => coturn.UdpUrl,
        }),
        Username = coturn.Username,
        Password = coturn.Password,
        TrustedRootCertificate = coturn.Certificate,
    };

    private static async Task<(byte[] Payload, IPEndPoint Source)> ReceiveAsync(TurnRelaySocket relay)
    {
        using var timeout = new CancellationTokenSource(TurnTestPeer.ReceiveTimeout);
        var buffer = new byte[2048];
        var source = new System.Net.SocketAddress(relay.AddressFamily);
        var length = await relay.ReceiveFromAsync(buffer, source, timeout.Token);
        return (buffer.AsSpan(0, length).ToArray(), (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(source));
    }
}
