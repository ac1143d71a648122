using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Turn;
using CallBot.TestSupport.Coturn;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>ICE with TURN servers: relay candidates, and relay-only calls (the SDK's <c>alwaysRelayCalls</c>) through coturn.</summary>
public sealed class IceRelayTests(CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(TurnTransportKind.Udp, IceRole.Controlling, IceRole.Controlled)]
    [InlineData(TurnTransportKind.Udp, IceRole.Controlled, IceRole.Controlling)]
    [InlineData(TurnTransportKind.Tcp, IceRole.Controlling, IceRole.Controlled)]
    [InlineData(TurnTransportKind.Tls, IceRole.Controlling, IceRole.Controlled)]
    public async Task Relay_only_agents_connect_through_coturn_with_relay_pairs_on_both_sides(
        TurnTransportKind transport, IceRole roleA, IceRole roleB)
    {
        await using var peers = new IcePeers(new IceAgent(RelayOnly(roleA, transport)), new IceAgent(RelayOnly(roleB, transport)));
        var gatheredA = new List<IceCandidate>();
        peers.A.LocalCandidateGathered += c =>
        {
            if (c is not null)
            {
                lock (gatheredA)
                {
                    gatheredA.Add(c);
                }
            }
        };
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.B.RtpPacketReceived = datagram => received.TrySetResult(datagram.ToArray());
        peers.Trickle();
        await peers.ConnectAsync();

        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, Ct);

        // Only relay candidates were gathered: no host address was offered.
        lock (gatheredA)
        {
            var only = Assert.Single(gatheredA);
            Assert.Equal(IceCandidateType.Relay, only.Type);
            Assert.InRange(only.Port, coturn.MinRelayPort, coturn.MaxRelayPort);
            Assert.Equal("127.0.0.1", only.RelatedAddress);
            Assert.Contains(" typ relay raddr 127.0.0.1 rport ", only.ToString(), StringComparison.Ordinal);
        }

        foreach (var agent in new[] { peers.A, peers.B })
        {
            var pair = agent.SelectedPair;
            Assert.NotNull(pair);
            Assert.Equal(IceCandidateType.Relay, pair.LocalType);
            Assert.Equal(IceCandidateType.Relay, pair.RemoteType);
        }

        byte[] rtp = [0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
        Assert.True(peers.A.Send(rtp));
        Assert.Equal(rtp, await received.Task.WaitAsync(IcePeers.Timeout, Ct));
    }

    [Fact]
    public async Task With_policy_all_a_relay_candidate_is_gathered_next_to_host_candidates()
    {
        var options = new IceOptions { IncludeLoopback = true, AddressFilter = a => a.Equals(IPAddress.Loopback), AllowLoopbackRemoteCandidates = true };
        options.TurnServers.Add(TurnOptions(TurnTransportKind.Udp));
        await using var agent = new IceAgent(options);
        var gathered = new List<IceCandidate>();
        agent.LocalCandidateGathered += c =>
        {
            if (c is not null)
            {
                lock (gathered)
                {
                    gathered.Add(c);
                }
            }
        };

        await agent.GatherAsync(Ct).WaitAsync(IcePeers.Timeout, Ct);
        await agent.FlushAsync(); // events are delivered on their own task

        lock (gathered)
        {
            Assert.Contains(gathered, c => c.Type == IceCandidateType.Host);
            var relay = Assert.Single(gathered, c => c.Type == IceCandidateType.Relay);
            Assert.True(relay.Priority < gathered.First(c => c.Type == IceCandidateType.Host).Priority);
        }
    }

    [Fact]
    public async Task A_TURN_server_that_refuses_us_ends_gathering_without_a_relay_candidate()
    {
        var options = new IceOptions { TransportPolicy = IceTransportPolicy.Relay, AllowLoopbackRemoteCandidates = true };
        var turn = TurnOptions(TurnTransportKind.Udp);
        turn.Password = "wrong";
        options.TurnServers.Add(turn);
        await using var agent = new IceAgent(options);
        var gathered = 0;
        agent.LocalCandidateGathered += c =>
        {
            if (c is not null)
            {
                Interlocked.Increment(ref gathered);
            }
        };

        await agent.GatherAsync(Ct).WaitAsync(IcePeers.Timeout, Ct);
        await agent.FlushAsync(); // events are delivered on their own task

        Assert.Equal(0, Volatile.Read(ref gathered));
        Assert.Equal(IceConnectionState.New, agent.State);
    }

    private IceOptions RelayOnly(IceRole role, TurnTransportKind transport)
    {
        var options = new IceOptions { Role = role, TransportPolicy = IceTransportPolicy.Relay, AllowLoopbackRemoteCandidates = true };
        options.TurnServers.Add(TurnOptions(transport));
        return options;
    }

    private TurnClientOptions TurnOptions(TurnTransportKind transport) => new()
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
}
