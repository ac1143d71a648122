using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Group calls (mesh, at most 4 people) over the loopback hub: who offers to whom, and who ends what.</summary>
public sealed class MeshCallTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (int From, int To)[] Pairs(CallHarness h, CallSignalType type) =>
        [.. h.WireOf(type).Select(w => (w.From, w.To)).Distinct().Order()];

    [Fact]
    public async Task Three_party_call_the_larger_callee_offers_to_the_smaller_one()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var b = h.AddBot(1002);
        var c = h.AddBot(1003);
        var session = caller.Client.CreateSession([1002, 1003]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.All(h.WireOf(CallSignalType.Call), w => Assert.Equal([1002, 1003], w.Signal.OpponentIds));

        await b.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await c.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();

        Assert.Equal([(1001, 1002), (1001, 1003), (1003, 1002)], Pairs(h, CallSignalType.Call));
        Assert.Equal([(1002, 1001), (1002, 1003), (1003, 1001)], Pairs(h, CallSignalType.Accept));
        var meshCall = h.WireOf(CallSignalType.Call).Single(w => w.From == 1003);
        Assert.Equal(1001, meshCall.Signal.CallerId);
        Assert.Equal([1002, 1003], meshCall.Signal.OpponentIds);
        Assert.Equal(PeerRole.Offerer, c.Peers.To(1002).Context.Role);
        Assert.Equal(PeerRole.Answerer, b.Peers.To(1003).Context.Role);
        Assert.True(c.IncomingSession.CanInitiateIceRestart(1002));
        Assert.False(b.IncomingSession.CanInitiateIceRestart(1003));
        Assert.Equal(meshCall.Signal.Sdp, b.Peers.To(1003).RemoteOffers.Single());
        // The mesh offer rings nobody: the session already exists on 1002.
        Assert.Equal(["call:1001"], b.EventKinds.Where(k => k.StartsWith("call", StringComparison.Ordinal)));
        Assert.Contains("accept:1002", c.EventKinds);

        // No re-dials once every pair answered.
        await h.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
        Assert.Equal(3, h.WireOf(CallSignalType.Call).Count);
    }

    [Fact]
    public async Task Four_party_call_builds_all_six_pairs_with_the_larger_id_offering()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callees = new[] { h.AddBot(1002), h.AddBot(1003), h.AddBot(1004) };
        await caller.Client.CreateSession([1002, 1003, 1004]).CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        foreach (var callee in callees)
        {
            await callee.IncomingSession.AcceptAsync(cancellationToken: Ct);
            await h.SettleAsync();
        }

        Assert.Equal([(1001, 1002), (1001, 1003), (1001, 1004), (1003, 1002), (1004, 1002), (1004, 1003)], Pairs(h, CallSignalType.Call));
        Assert.Equal([(1002, 1001), (1002, 1003), (1002, 1004), (1003, 1001), (1003, 1004), (1004, 1001)], Pairs(h, CallSignalType.Accept));
        foreach (var callee in callees)
        {
            Assert.Equal(3, callee.Peers.Created.Select(p => p.Context.RemoteUserId).Distinct().Count());
            Assert.Equal(CallSessionState.Active, callee.IncomingSession.State);
        }
    }

    [Fact]
    public async Task A_larger_callees_offer_that_arrives_before_the_smaller_one_accepts_is_answered_at_accept()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var b = h.AddBot(1002);
        var c = h.AddBot(1003);
        await caller.Client.CreateSession([1002, 1003]).CallAsync(cancellationToken: Ct);
        await h.SettleAsync();

        await c.IncomingSession.AcceptAsync(cancellationToken: Ct); // 1003 first: its offer reaches 1002 while 1002 rings
        await h.SettleAsync();
        Assert.Contains((1003, 1002), Pairs(h, CallSignalType.Call));
        Assert.Empty(b.Peers.Created);
        Assert.Equal(0, b.Client.GetDropCount(CallDropReason.DuplicateCall));

        await b.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal([(1002, 1001), (1002, 1003), (1003, 1001)], Pairs(h, CallSignalType.Accept));
        Assert.Equal(h.WireOf(CallSignalType.Call).Single(w => w.From == 1003).Signal.Sdp, b.Peers.To(1003).RemoteOffers.Single());

        // 1003 stops dialing 1002; nothing more is answered twice.
        await h.AdvanceAsync(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
        Assert.Single(h.WireOf(CallSignalType.Call), w => w.From == 1003);
        Assert.Single(h.WireOf(CallSignalType.Accept), w => w.From == 1002 && w.To == 1003);
    }

    [Fact]
    public async Task A_callee_leaving_a_group_ends_only_its_pairs_and_the_initiators_hang_up_ends_everyone()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var b = h.AddBot(1002);
        var c = h.AddBot(1003);
        var session = caller.Client.CreateSession([1002, 1003]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await b.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await c.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();

        await c.IncomingSession.StopAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal([(1003, 1001), (1003, 1002)], Pairs(h, CallSignalType.HangUp));
        Assert.Equal(CallSessionState.Active, session.State);
        Assert.Equal(CallSessionState.Active, b.IncomingSession.State);
        Assert.Contains("stop:1003", caller.EventKinds);
        Assert.Contains("stop:1003", b.EventKinds);
        Assert.DoesNotContain("close", b.EventKinds);
        Assert.True(caller.Peers.To(1003).Disposed);
        Assert.False(caller.Peers.To(1002).Disposed);

        await session.StopAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal(CallSessionState.Closed, b.IncomingSession.State);
        Assert.Contains("stop:1001", b.EventKinds);
        Assert.Equal("close", b.EventKinds[^1]);
        Assert.True(b.Peers.Created.All(p => p.Disposed));
        // 1003 already left: the initiator's hang-up for it lands on a closed session.
        Assert.Equal(1, c.Client.GetDropCount(CallDropReason.SessionClosed));
    }

    [Fact]
    public async Task A_callee_waiting_for_a_group_peer_that_never_answers_reports_it_not_answered()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var b = h.AddBot(1002);
        h.AddBot(1003); // rings, never answers
        await caller.Client.CreateSession([1002, 1003]).CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
        await b.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        b.Peers.To(1001).SetIceState(PeerIceState.Checking); // the pair with the initiator is under way
        await h.SettleAsync();

        // Waiting time = answerTimeInterval - min(time rung, answerTimeInterval / 2) = 60 - 10 = 50 s after the accept.
        await h.AdvanceAsync(TimeSpan.FromSeconds(49));
        Assert.DoesNotContain("not-answered:1003", b.EventKinds);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Contains("not-answered:1003", b.EventKinds);
        Assert.Contains("not-answered:1003", caller.EventKinds);
        Assert.Equal(CallSessionState.Active, b.IncomingSession.State);
        Assert.Equal(PeerLinkState.Closed, await b.IncomingSession.GetPeerStateAsync(1003));
        Assert.Equal(PeerLinkState.Checking, await b.IncomingSession.GetPeerStateAsync(1001));
    }
}
