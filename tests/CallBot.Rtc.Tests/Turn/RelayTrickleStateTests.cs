using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Turn;
using CallBot.TestSupport.Coturn;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>
/// RFC 8838 §8: an agent whose own gathering is still running (here: its TURN allocation) must not fail just because the
/// peer already said end-of-candidates. The order is forced: the peer's candidates, its end-of-candidates and Start()
/// reach the agent before it begins gathering, so it sits in Checking with no pair at all until its relay exists.
/// </summary>
public sealed class RelayTrickleStateTests(CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Remote_end_of_candidates_before_our_relay_allocation_does_not_fail_the_agent()
    {
        await using var peers = new IcePeers(new IceAgent(RelayOnly(IceRole.Controlling)), new IceAgent(RelayOnly(IceRole.Controlled)));
        var fromA = new List<IceCandidate?>();
        peers.A.LocalCandidateGathered += c =>
        {
            lock (fromA)
            {
                fromA.Add(c);
            }
        };
        peers.B.LocalCandidateGathered += c =>
        {
            if (c is null)
            {
                peers.A.AddRemoteEndOfCandidates();
            }
            else
            {
                peers.A.AddRemoteCandidate(c);
            }
        };
        peers.A.SetRemoteCredentials(peers.B.LocalCredentials.Ufrag, peers.B.LocalCredentials.Password);
        peers.B.SetRemoteCredentials(peers.A.LocalCredentials.Ufrag, peers.A.LocalCredentials.Password);
        await peers.A.GatherAsync(Ct).WaitAsync(IcePeers.Timeout, Ct);
        await peers.A.FlushAsync(); // A's candidate events are delivered on their own task
        peers.A.Start();

        // B learns everything from A, end included, and starts checking before it has a single local candidate.
        lock (fromA)
        {
            Assert.Equal(2, fromA.Count); // one relay candidate, then end-of-candidates
            peers.B.AddRemoteCandidate(fromA[0]!);
            peers.B.AddRemoteEndOfCandidates();
        }

        peers.B.Start();
        await peers.BStates.WaitForAsync(IceConnectionState.Checking).WaitAsync(IcePeers.Timeout, Ct);
        await peers.B.GatherAsync(Ct).WaitAsync(IcePeers.Timeout, Ct);

        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, Ct);
        Assert.DoesNotContain(IceConnectionState.Failed, peers.BStates.States);
        Assert.DoesNotContain(IceConnectionState.Failed, peers.AStates.States);
        Assert.Equal(IceCandidateType.Relay, peers.B.SelectedPair!.LocalType);
        Assert.Equal(IceCandidateType.Relay, peers.B.SelectedPair.RemoteType);
    }

    [Fact]
    public async Task With_both_ends_of_candidates_and_every_pair_failed_the_agent_still_fails()
    {
        // The other half of the rule: once nothing can come on either side, a check list with only failed pairs fails.
        var options = RelayOnly(IceRole.Controlling);
        options.CheckRto = TimeSpan.FromMilliseconds(50);
        options.MaxCheckRto = TimeSpan.FromMilliseconds(50);
        options.MaxCheckTransmissions = 2;
        await using var agent = new IceAgent(options);
        var states = new StateRecorder(agent);
        agent.SetRemoteCredentials("ufrag", "aPasswordOf22CharsOrMore");
        // A relay address on coturn's range that nobody allocated: the permission is granted, checks go unanswered.
        Assert.True(IceCandidate.TryParse($"candidate:1 1 udp 16777215 127.0.0.1 {coturn.MaxRelayPort} typ relay raddr 127.0.0.1 rport 9", out var remote));
        agent.AddRemoteCandidate(remote!);
        agent.AddRemoteEndOfCandidates();
        agent.Start();
        await agent.GatherAsync(Ct).WaitAsync(IcePeers.Timeout, Ct);

        await states.WaitForAsync(IceConnectionState.Failed).WaitAsync(IcePeers.Timeout, Ct);
        Assert.Equal([IceConnectionState.Checking, IceConnectionState.Failed], states.States);
    }

    private IceOptions RelayOnly(IceRole role)
    {
        var options = new IceOptions { Role = role, TransportPolicy = IceTransportPolicy.Relay, AllowLoopbackRemoteCandidates = true };
        options.TurnServers.Add(new TurnClientOptions
        {
            Server = TurnServerUrl.Parse(coturn.UdpUrl),
            Username = coturn.Username,
            Password = coturn.Password,
        });
        return options;
    }
}
