using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// ICE restart where the restarting side's new candidates reach the other side BEFORE its new credentials (what
/// Chromium's trickle did in an interop run): the controlled side must still select a pair of the new generation.
/// </summary>
public class IceRestartTrickleOrderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Candidates_of_a_restart_that_arrive_before_its_credentials_still_select_the_new_generation(bool withUfrag)
    {
        await using var net = new FakeIceNetwork(IceRole.Controlling, IceRole.Controlled);
        // A plays Chromium: its candidates carry the ufrag of the generation they belong to.
        net.Peers.Trickle(rewriteAtoB: c => withUfrag ? c with { Ufrag = net.A.LocalCredentials.Ufrag } : c);
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(5));

        // A restarts: its candidates are re-emitted (and trickled to B) now, the offer with its credentials comes later.
        var newA = net.A.Restart();
        await net.RunForAsync(TimeSpan.FromMilliseconds(500));

        // B applies the restart offer (a remote restart: new local credentials), answers; A applies the answer.
        var newB = net.B.Restart();
        net.B.SetRemoteCredentials(newA.Ufrag, newA.Password);
        net.A.SetRemoteCredentials(newB.Ufrag, newB.Password);

        await net.RunUntilAsync(
            () => net.A.SelectedPair?.Generation == 1 && net.B.SelectedPair?.Generation == 1,
            TimeSpan.FromSeconds(15));
        Assert.Contains(net.B.State, new[] { IceConnectionState.Connected, IceConnectionState.Completed });
        if (withUfrag)
        {
            // Held, then added to generation 1: B knows A's signaled candidate, not only a peer-reflexive stand-in.
            Assert.True(net.B.Counters[IceCounter.CandidatesHeldForNextGeneration] > 0);
            Assert.Equal(0, net.B.HeldCandidateCount);
            Assert.Equal(IceCandidateType.Host, net.B.SelectedPair!.Remote.Type);
        }
    }

    [Fact]
    public async Task A_candidate_of_an_older_remote_generation_is_dropped_and_counted()
    {
        await using var net = new FakeIceNetwork(IceRole.Controlling, IceRole.Controlled);
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(5));
        var oldA = net.A.LocalCredentials;
        var oldCandidate = net.B.SelectedPair!.Remote with { Ufrag = oldA.Ufrag, Port = 9 };

        var newA = net.A.Restart();
        var newB = net.B.Restart();
        net.B.SetRemoteCredentials(newA.Ufrag, newA.Password);
        net.A.SetRemoteCredentials(newB.Ufrag, newB.Password);
        await net.RunUntilAsync(() => net.A.SelectedPair?.Generation == 1 && net.B.SelectedPair?.Generation == 1, TimeSpan.FromSeconds(15));
        net.B.AddRemoteCandidate(oldCandidate);
        await net.QuiesceAsync();

        Assert.Equal(1, net.B.Counters[IceCounter.CandidatesDroppedStaleGeneration]);
        Assert.Equal(0, net.B.Counters[IceCounter.CandidatesHeldForNextGeneration]);
        Assert.Equal(0, net.B.HeldCandidateCount);
    }

    [Fact]
    public async Task Held_candidates_are_bounded_and_overflow_is_counted()
    {
        await using var net = new FakeIceNetwork(IceRole.Controlling, IceRole.Controlled);
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.B.SelectedPair is not null, TimeSpan.FromSeconds(5));
        var template = net.B.SelectedPair!.Remote;

        for (var i = 0; i < IceAgent.MaxHeldCandidates + 5; i++)
        {
            net.B.AddRemoteCandidate(template with { Ufrag = "future", Port = 10_000 + i });
        }

        await net.QuiesceAsync();

        Assert.Equal(IceAgent.MaxHeldCandidates, net.B.HeldCandidateCount);
        Assert.Equal(IceAgent.MaxHeldCandidates + 5, net.B.Counters[IceCounter.CandidatesHeldForNextGeneration]);
        Assert.Equal(5, net.B.Counters[IceCounter.CandidatesDroppedHeldOverflow]);
    }
}
