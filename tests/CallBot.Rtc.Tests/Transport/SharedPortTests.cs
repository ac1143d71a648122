using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Transport;

/// <summary>Single-port mode: many ICE agents on one UDP socket per family, over real loopback UDP.</summary>
public sealed class SharedPortTests
{
    [Fact]
    public async Task Two_agents_on_one_shared_port_connect_to_their_own_peers_and_get_only_their_own_datagrams()
    {
        await using var shared = new SharedPortSocketFactory();
        await using var peerB = new SharedPortSocketFactory();
        await using var peerC = new SharedPortSocketFactory();
        await using var ab = await SharedPortAgents.ConnectAsync(shared, peerB);
        await using var ac = await SharedPortAgents.ConnectAsync(shared, peerC);
        var atA1 = new ConcurrentQueue<byte>();
        var atA2 = new ConcurrentQueue<byte>();
        var atB = new ConcurrentQueue<byte>();
        var atC = new ConcurrentQueue<byte>();
        ab.A.RtpPacketReceived = d => atA1.Enqueue(d[12]);
        ac.A.RtpPacketReceived = d => atA2.Enqueue(d[12]);
        ab.B.RtpPacketReceived = d => atB.Enqueue(d[12]);
        ac.B.RtpPacketReceived = d => atC.Enqueue(d[12]);
        await SharedPortAgents.ConnectedAsync(ab);
        await SharedPortAgents.ConnectedAsync(ac);

        // Both connections' host candidates carry the one shared port, and so do the pairs their peers selected.
        var port = Assert.Single(shared.LocalEndPoints).Port;
        Assert.Equal(port, ab.A.SelectedPair!.LocalEndPoint.Port);
        Assert.Equal(port, ac.A.SelectedPair!.LocalEndPoint.Port);
        Assert.Equal(port, ab.B.SelectedPair!.RemoteEndPoint.Port);
        Assert.Equal(port, ac.B.SelectedPair!.RemoteEndPoint.Port);
        Assert.Equal(2, shared.ConnectionCount);

        Assert.True(ab.A.Send(SharedPortAgents.Rtp(1)));
        Assert.True(ac.A.Send(SharedPortAgents.Rtp(2)));
        Assert.True(ab.B.Send(SharedPortAgents.Rtp(3)));
        Assert.True(ac.B.Send(SharedPortAgents.Rtp(4)));
        await Poll.UntilAsync(() => atA1.Count + atA2.Count + atB.Count + atC.Count == 4, IcePeers.Timeout, "four datagrams delivered", TestContext.Current.CancellationToken);
        Assert.Equal<byte>([3], atA1);
        Assert.Equal<byte>([4], atA2);
        Assert.Equal<byte>([1], atB);
        Assert.Equal<byte>([2], atC);
        Assert.True(shared.Counters[SharedPortCounter.RoutedByUfrag] > 0, "peers' first checks came from unknown addresses");
        Assert.True(shared.Counters[SharedPortCounter.RoutedByAddress] > 0);
        Assert.Equal(0, shared.Counters[SharedPortCounter.AddressConflicts]);

        // A closed connection's routing entries go with it; the other keeps working.
        await ab.A.DisposeAsync();
        Assert.Equal(1, shared.ConnectionCount);
        var (addresses, ufrags, _) = shared.TableSizes;
        Assert.Equal(1, ufrags);
        Assert.Equal(1, addresses);
        Assert.True(ac.B.Send(SharedPortAgents.Rtp(5)));
        await Poll.UntilAsync(() => atA2.Count == 2, IcePeers.Timeout, "datagram after the neighbour closed", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Ice_restart_over_the_shared_port_routes_the_new_ufrag_and_keeps_the_old_one_for_the_generation()
    {
        await using var pair = await SharedPortPair.ConnectAsync();
        var (shared, peers) = (pair.Shared, pair.Peers);
        var oldUfrag = peers.A.LocalCredentials.Ufrag;
        var byUfragBefore = shared.Counters[SharedPortCounter.RoutedByUfrag];

        var a = peers.A.Restart();
        var b = peers.B.Restart();
        peers.A.SetRemoteCredentials(b.Ufrag, b.Password);
        peers.B.SetRemoteCredentials(a.Ufrag, a.Password);
        await Poll.UntilAsync(
            () => peers.A.SelectedPair?.Generation == 1 && peers.B.SelectedPair?.Generation == 1,
            IcePeers.Timeout,
            "both sides selected a pair of the new generation",
            TestContext.Current.CancellationToken);

        Assert.NotEqual(oldUfrag, a.Ufrag);
        Assert.Equal(2, shared.TableSizes.Ufrags); // the new ufrag, and the old one the agent still accepts
        Assert.True(shared.Counters[SharedPortCounter.RoutedByUfrag] > byUfragBefore, "checks naming the new ufrag were routed by it");
        var received = new TaskCompletionSource<byte>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.A.RtpPacketReceived = d => received.TrySetResult(d[12]);
        Assert.True(peers.B.Send(SharedPortAgents.Rtp(9)));
        Assert.Equal(9, await received.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sprayed_datagrams_from_unknown_sources_create_no_state_and_reach_no_connection()
    {
        await using var pair = await SharedPortPair.ConnectAsync();
        var (shared, peers, target) = (pair.Shared, pair.Peers, pair.SharedEndPoint);
        var tablesBefore = shared.TableSizes;
        var dtlsBefore = peers.A.TransportCounters[TransportCounter.Dtls];
        var rtpBefore = peers.A.TransportCounters[TransportCounter.RtpOrRtcp];
        var unroutedBefore = shared.Counters[SharedPortCounter.Unrouted];

        // 64 source ports × 40 datagrams: Binding requests with random USERNAMEs, responses to no transaction of ours,
        // DTLS- and RTP-shaped bytes, and noise.
        const int Sources = 64;
        const int PerSource = 40;
        var random = new Random(21);
        var datagram = new byte[200];
        for (var s = 0; s < Sources; s++)
        {
            using var sprayer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sprayer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            for (var i = 0; i < PerSource; i++)
            {
                var length = Spray(random, datagram, i);
                sprayer.SendTo(datagram.AsSpan(0, length), SocketFlags.None, target);
            }

            // A source at a time, so a busy receive loop never lets the socket buffer overflow (the count stays exact).
            var expected = (s + 1) * PerSource;
            await Poll.UntilAsync(
                () => shared.Counters[SharedPortCounter.Unrouted] - unroutedBefore == expected,
                IcePeers.Timeout,
                "every sprayed datagram counted as unrouted",
                TestContext.Current.CancellationToken);
        }
        AssertLearntNothing(shared, tablesBefore);
        Assert.Equal(dtlsBefore, peers.A.TransportCounters[TransportCounter.Dtls]);
        Assert.Equal(rtpBefore, peers.A.TransportCounters[TransportCounter.RtpOrRtcp]);
        Assert.True(peers.A.State is IceConnectionState.Connected or IceConnectionState.Completed);
    }

    [Fact]
    public async Task Unauthenticated_requests_naming_a_registered_ufrag_reach_the_agent_but_teach_the_port_nothing()
    {
        // A ufrag is in the SDP: a sender who knows it reaches that agent, which answers unauthenticated requests with an
        // error (rate-limited). Those answers must not make the sender's address the connection's.
        await using var pair = await SharedPortPair.ConnectAsync();
        var (shared, peers, target) = (pair.Shared, pair.Peers, pair.SharedEndPoint);
        var tablesBefore = shared.TableSizes;
        var routedBefore = shared.Counters[SharedPortCounter.RoutedByUfrag];
        var badBefore = peers.A.Counters.Total;

        const int Sources = 50;
        var request = new byte[256];
        var answers = 0;
        for (var s = 0; s < Sources; s++)
        {
            using var sprayer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            sprayer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var writer = new StunWriter(request, StunMessageType.BindingRequest, RandomNumbers(12));
            writer.AddUsername($"{peers.A.LocalCredentials.Ufrag}:evil");
            sprayer.SendTo(request.AsSpan(0, writer.Length), SocketFlags.None, target);
            if (s == 0)
            {
                // The first one is answered (400: no MESSAGE-INTEGRITY), so the agent did see it.
                sprayer.ReceiveTimeout = (int)IcePeers.Timeout.TotalMilliseconds;
                var answer = new byte[256];
                answers += sprayer.Receive(answer) > 0 && BinaryPrimitives.ReadUInt16BigEndian(answer) == StunMessageType.BindingError ? 1 : 0;
            }
        }

        await Poll.UntilAsync(
            () => shared.Counters[SharedPortCounter.RoutedByUfrag] - routedBefore >= Sources,
            IcePeers.Timeout,
            "every request routed by its ufrag",
            TestContext.Current.CancellationToken);
        await peers.A.FlushAsync();
        Assert.Equal(1, answers);
        Assert.True(peers.A.Counters.Total > badBefore);
        AssertLearntNothing(shared, tablesBefore);
        Assert.Equal(0, shared.Counters[SharedPortCounter.AddressesEvicted]);
    }

    [Fact]
    public async Task A_connection_keeps_at_most_its_bound_of_addresses_forgetting_the_oldest()
    {
        const int MaxAddresses = 4;
        await using var shared = new SharedPortSocketFactory(new SharedPortOptions { MaxAddressesPerConnection = MaxAddresses });
        using var socket = shared.Bind(new IPEndPoint(IPAddress.Any, 0));
        using var other = shared.Bind(new IPEndPoint(IPAddress.Any, 0));
        for (var port = 1; port <= 10; port++)
        {
            Assert.True(socket.TrySendTo(SharedPortAgents.Rtp(1), new IPEndPoint(IPAddress.Loopback, port).Serialize()));
        }

        Assert.True(other.TrySendTo(SharedPortAgents.Rtp(1), new IPEndPoint(IPAddress.Loopback, 10).Serialize()));
        Assert.Equal(MaxAddresses, shared.TableSizes.Addresses);
        Assert.Equal(10, shared.Counters[SharedPortCounter.AddressesLearned]);
        Assert.Equal(10 - MaxAddresses, shared.Counters[SharedPortCounter.AddressesEvicted]);
        Assert.Equal(1, shared.Counters[SharedPortCounter.AddressConflicts]); // port 10 stays the first connection's

        socket.Dispose();
        Assert.Equal(0, shared.TableSizes.Addresses);
        Assert.Equal(1, shared.ConnectionCount);
    }

    [Fact]
    public async Task Binds_beyond_the_connection_bound_fail_like_a_socket_would()
    {
        await using var shared = new SharedPortSocketFactory(new SharedPortOptions { MaxConnections = 2 });
        using var first = shared.Bind(new IPEndPoint(IPAddress.Any, 0));
        using var second = shared.Bind(new IPEndPoint(IPAddress.Any, 0));
        var refused = Assert.Throws<SocketException>(() => shared.Bind(new IPEndPoint(IPAddress.Any, 0)));
        Assert.Equal(SocketError.TooManyOpenSockets, refused.SocketErrorCode);
        Assert.Equal(1, shared.Counters[SharedPortCounter.ConnectionsRefused]);
        Assert.Throws<ArgumentException>(() => shared.Bind(new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SharedPortSocketFactory(new SharedPortOptions { MaxAddressesPerConnection = 0 }));
    }

    // Addresses and ufrags are learnt only from authenticated traffic: unchanged. Transactions are the agents' own requests
    // (consent checks go on while the test sprays), kept in a ring per connection: bounded, and never a sprayer's.
    private static void AssertLearntNothing(SharedPortSocketFactory shared, (int Addresses, int Ufrags, int Transactions) before)
    {
        var after = shared.TableSizes;
        Assert.Equal((before.Addresses, before.Ufrags), (after.Addresses, after.Ufrags));
        Assert.InRange(after.Transactions, 0, shared.ConnectionCount * SharedPortOptions.DefaultMaxTransactionsPerConnection);
    }

    private static byte[] RandomNumbers(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Fills <paramref name="datagram"/> with kind <paramref name="i"/> mod 5 of spray; returns its length.</summary>
    private static int Spray(Random random, byte[] datagram, int i)
    {
        random.NextBytes(datagram);
        switch (i % 5)
        {
            case 0:
            {
                var writer = new StunWriter(datagram, StunMessageType.BindingRequest, datagram.AsSpan(100, 12).ToArray());
                writer.AddUsername($"u{random.Next()}:x");
                return writer.Length;
            }

            case 1:
            {
                var writer = new StunWriter(datagram, StunMessageType.BindingSuccess, datagram.AsSpan(100, 12).ToArray());
                return writer.Length;
            }

            case 2:
                datagram[0] = 22; // DTLS handshake
                return 120;
            case 3:
                datagram[0] = 0x80; // RTP
                return 160;
            default:
                BinaryPrimitives.WriteUInt16BigEndian(datagram, 0xffff);
                return 60;
        }
    }
}
