using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Dialing, not-answered, answer timer, reject/busy and disconnect release, all on fake time.</summary>
public sealed class CallTimingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unanswered_call_is_redialled_every_5_s_and_reported_not_answered_at_60_s()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        var session = caller.Client.CreateSession([1002]);
        var start = h.Time.GetUtcNow();
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();

        await h.AdvanceAsync(TimeSpan.FromSeconds(59));
        Assert.Empty(caller.EventKinds);
        Assert.Equal(CallSessionState.Active, session.State);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["not-answered:1002", "close"], caller.EventKinds);
        Assert.Equal(CallSessionState.Closed, session.State);

        // The first call at 0 s, then one every 5 s up to 55 s: 12 stanzas, all with the same offer.
        var calls = h.WireOf(CallSignalType.Call);
        Assert.Equal(12, calls.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => start + TimeSpan.FromSeconds(5 * i)), calls.Select(c => c.At));
        Assert.Single(calls.Select(c => c.Signal.Sdp).Distinct());
        Assert.Equal(12, await session.GetCallsSentAsync(1002));
        Assert.True(caller.Peers.To(1002).Disposed);

        // The callee rang once (re-dials are duplicates) and stopped ringing after its own 60 s answer timer.
        Assert.Equal(["call:1001", "close"], callee.EventKinds);
        Assert.Equal(11, callee.Client.GetDropCount(CallDropReason.DuplicateCall));
        Assert.Empty(h.WireOf(CallSignalType.Reject));

        await h.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5));
        Assert.Equal(12, h.WireOf(CallSignalType.Call).Count);
    }

    [Fact]
    public async Task Redial_and_answer_intervals_follow_the_options()
    {
        var options = new CallClientOptions { DialingTimeInterval = TimeSpan.FromSeconds(2), AnswerTimeInterval = TimeSpan.FromSeconds(7) };
        await using var h = new CallHarness(options);
        var caller = h.AddBot(1001);
        h.AddBot(1002);
        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(7));
        // 0, 2, 4, 6 s; at 8 s the elapsed dialing time (8) passes 7 -> not answered.
        Assert.Equal(4, h.WireOf(CallSignalType.Call).Count);
        Assert.Empty(caller.EventKinds);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["not-answered:1002", "close"], caller.EventKinds);
    }

    [Fact]
    public async Task Callee_that_never_answers_stops_ringing_after_the_answer_interval_without_sending_anything()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        await caller.Client.CreateSession([1002]).CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var ringing = callee.IncomingSession;

        await h.AdvanceAsync(TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(59));
        Assert.Equal(CallSessionState.New, ringing.State);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(CallSessionState.Closed, ringing.State);
        Assert.Equal(["call:1001", "close"], callee.EventKinds);
        Assert.DoesNotContain(h.Wire, w => w.From == 1002);
    }

    [Fact]
    public async Task Busy_reject_stops_the_dialing_and_reaches_the_caller_with_its_userinfo()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        var session = caller.Client.CreateSession([1002], CallType.Audio);
        await session.CallAsync(cancellationToken: Ct);
        await h.AdvanceAsync(TimeSpan.FromSeconds(6));
        Assert.Equal(2, h.WireOf(CallSignalType.Call).Count);

        await callee.IncomingSession.RejectAsync(UserInfo.Empty.With(UserInfo.BusyKey, "true"), Ct);
        await h.SettleAsync();

        var reject = Assert.Single(h.WireOf(CallSignalType.Reject));
        Assert.Equal((1002, 1001), (reject.From, reject.To));
        Assert.Equal(CallType.Audio, reject.Signal.CallType);
        Assert.Equal(1001, reject.Signal.CallerId);
        Assert.Null(reject.Signal.Sdp);
        Assert.True(reject.Signal.UserInfo!.IsBusy);
        Assert.Equal(["reject:1002", "close"], caller.EventKinds);
        Assert.True(caller.Events.First().UserInfo.IsBusy);
        Assert.Equal(CallSessionState.Closed, session.State);
        Assert.Equal(CallSessionState.Closed, callee.IncomingSession.State);

        await h.AdvanceAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5));
        Assert.Equal(2, h.WireOf(CallSignalType.Call).Count);
        Assert.DoesNotContain("not-answered:1002", caller.EventKinds);
    }

    [Fact]
    public async Task A_peer_that_stays_disconnected_for_30_s_is_released_but_a_reconnect_in_time_keeps_it()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await callee.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var pc = caller.Peers.To(1002);

        pc.SetIceState(PeerIceState.Checking);
        pc.SetIceState(PeerIceState.Connected);
        pc.SetIceState(PeerIceState.Disconnected);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(29));
        pc.SetIceState(PeerIceState.Connected);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CallSessionState.Active, session.State);
        Assert.Equal(PeerLinkState.Connected, await session.GetPeerStateAsync(1002));

        pc.SetIceState(PeerIceState.Disconnected);
        await h.SettleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Equal(CallSessionState.Active, session.State);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(CallSessionState.Closed, session.State);
        Assert.True(pc.Disposed);
        Assert.Equal(
            ["accept:1002", "state:Connecting:1002", "state:Connected:1002", "state:Disconnected:1002", "state:Connected:1002", "state:Disconnected:1002", "close"],
            caller.EventKinds);
        // Released locally: nothing is sent to the peer (the SDK does the same).
        Assert.Empty(h.WireOf(CallSignalType.HangUp));
    }
}
