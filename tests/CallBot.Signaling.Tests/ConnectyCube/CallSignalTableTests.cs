using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Every row of the signal table when it arrives out of order, twice, late, or malformed.</summary>
public sealed class CallSignalTableTests
{
    private const string Sid = "5e0b6a4c-0d61-4c3e-9f9b-2a0e7a1f4d11";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static CallSignal Signal(CallSignalType type, int caller = 1001, params int[] opponents) => new()
    {
        Type = type,
        SessionId = Sid,
        CallType = CallType.Video,
        CallerId = caller,
        OpponentIds = opponents.Length == 0 ? [1002] : opponents,
        Sdp = type is CallSignalType.Call or CallSignalType.Accept or CallSignalType.IceRestart or CallSignalType.IceRestartAccept ? "v=0\r\n" : null,
        IceCandidates = type == CallSignalType.IceCandidates ? [new("candidate:9 1 udp 1 127.0.0.1 9 typ host", "0", 0)] : [],
        Platform = "web",
    };

    [Fact]
    public async Task Candidates_before_the_call_are_dropped_as_unknown_and_the_call_still_rings()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.IceCandidates));
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.UnknownSession));
        Assert.Empty(callee.Events);

        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        Assert.Equal(["call:1001"], callee.EventKinds);
        Assert.Equal(Sid, callee.IncomingSession.Id);
    }

    [Fact]
    public async Task While_ringing_candidates_and_ice_restarts_are_ignored_and_a_duplicate_call_does_not_ring_again()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.IceCandidates));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.IceRestart));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.IceRestartAccept));

        Assert.Equal(["call:1001"], callee.EventKinds);
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.DuplicateCall));
        Assert.Equal(3, callee.Client.GetDropCount(CallDropReason.SessionNotActive));
        Assert.Empty(callee.Peers.Created);
        Assert.DoesNotContain(h.Wire, w => w.From == 1002);
    }

    [Fact]
    public async Task Accept_for_an_unknown_session_or_from_a_stranger_is_dropped_and_a_duplicate_accept_is_applied_once()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        await h.InjectAsync(1002, 1001, Signal(CallSignalType.Accept));
        Assert.Equal(1, caller.Client.GetDropCount(CallDropReason.UnknownSession));

        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var accept = Signal(CallSignalType.Accept) with { SessionId = session.Id, Sdp = "v=0 answer" };
        await h.InjectAsync(1009, 1001, accept);
        Assert.Equal(1, caller.Client.GetDropCount(CallDropReason.NotAParticipant));
        await h.InjectAsync(1002, 1001, accept);
        await h.InjectAsync(1002, 1001, accept);
        Assert.Equal(1, caller.Client.GetDropCount(CallDropReason.DuplicateAccept));
        Assert.Equal(["v=0 answer"], caller.Peers.To(1002).AppliedAnswers);
        Assert.Equal(["accept:1002"], caller.EventKinds);
    }

    [Fact]
    public async Task Caller_hang_up_while_ringing_closes_the_callee_and_later_signals_for_it_are_dropped()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.HangUp));
        Assert.Equal(["call:1001", "stop:1001", "close"], callee.EventKinds);
        Assert.Equal(CallSessionState.Closed, callee.IncomingSession.State);

        // Late re-dial and hang-up of the ended session: no second ring, no event.
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.HangUp));
        Assert.Equal(["call:1001", "stop:1001", "close"], callee.EventKinds);
        Assert.Equal(2, callee.Client.GetDropCount(CallDropReason.SessionClosed));
        Assert.Equal(0, callee.Client.LiveSessionCount);
    }

    [Fact]
    public async Task Accept_after_the_answer_timer_closed_the_session_sends_a_hang_up_instead()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.AdvanceAsync(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30));
        await callee.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Empty(h.WireOf(CallSignalType.Accept));
        var hangUp = Assert.Single(h.WireOf(CallSignalType.HangUp));
        Assert.Equal((1002, 1001), (hangUp.From, hangUp.To));
    }

    [Fact]
    public async Task Delayed_carbon_unknown_and_malformed_signals_are_counted_and_ignored_and_update_is_surfaced()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call), m =>
            m.Add(new XElement(XName.Get("delay", "urn:xmpp:delay"), new XAttribute("stamp", "2026-11-25T11:00:00Z"))));
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.Delayed));
        Assert.Empty(callee.Events);

        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call), m =>
        {
            var inner = new XElement(m);
            m.RemoveNodes();
            m.Add(new XElement(XName.Get("sent", "urn:xmpp:carbons:2"), new XElement(XName.Get("forwarded", "urn:xmpp:forward:0"), inner)));
            inner.SetAttributeValue("from", "1002-7@chat.test/other");
        });
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.Carbon));

        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Unknown) with { RawSignalType = "screenShare" });
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.UnknownSignalType));

        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call), m => m.Descendants().Single(e => e.Name.LocalName == "sessionID").Remove());
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.Malformed));

        // An ordinary chat message is not a call signal: not a drop.
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call), m => m.SetAttributeValue("type", "chat"));
        Assert.Equal(4, callee.Client.TotalDrops);
        Assert.Empty(callee.Events);

        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call));
        await h.InjectAsync(1001, 1002, new CallSignal
        {
            Type = CallSignalType.Update,
            SessionId = Sid,
            ExtraFields = [InfoNode.Leaf("muted", "true"), InfoNode.Branch("video", InfoNode.Leaf("width", "640"))],
        });
        Assert.Equal(["call:1001", "update:1001"], callee.EventKinds);
    }

    [Fact]
    public async Task A_call_that_does_not_name_this_user_or_is_bigger_than_a_mesh_is_dropped()
    {
        await using var h = new CallHarness();
        var callee = h.AddBot(1002);
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call, 1001, 1003));
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.NotAParticipant));
        await h.InjectAsync(1001, 1002, Signal(CallSignalType.Call, 1001, 1002, 1003, 1004, 1005));
        Assert.Equal(1, callee.Client.GetDropCount(CallDropReason.GroupTooLarge));
        // The sender must be the caller or one of the callees.
        await h.InjectAsync(1009, 1002, Signal(CallSignalType.Call, 1001, 1002));
        Assert.Equal(2, callee.Client.GetDropCount(CallDropReason.NotAParticipant));
        Assert.Empty(callee.Events);
    }

    [Fact]
    public async Task Ice_restart_is_started_only_by_the_offerer_and_answered_with_ice_restart_accept()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var incoming = callee.IncomingSession;
        await incoming.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();

        Assert.True(session.CanInitiateIceRestart(1002));
        Assert.False(incoming.CanInitiateIceRestart(1001));
        await Assert.ThrowsAsync<InvalidOperationException>(() => incoming.IceRestartAsync(1001, Ct));

        await session.IceRestartAsync(1002, Ct);
        // Candidates gathered for the new offer wait for the restart answer.
        caller.Peers.To(1002).EmitCandidate(new("candidate:7 1 udp 1 127.0.0.1 7 typ host", "0", 0));
        await h.SettleAsync();
        var restart = Assert.Single(h.WireOf(CallSignalType.IceRestart));
        Assert.Equal((1001, 1002), (restart.From, restart.To));
        Assert.Contains("restart", restart.Signal.Sdp, StringComparison.Ordinal);
        Assert.Null(restart.Signal.CallerId);
        Assert.Empty(restart.Signal.OpponentIds);
        Assert.Equal(restart.Signal.Sdp, callee.Peers.To(1001).RemoteOffers.Last());

        var restartAccept = Assert.Single(h.WireOf(CallSignalType.IceRestartAccept));
        Assert.Equal((1002, 1001), (restartAccept.From, restartAccept.To));
        Assert.Equal(restartAccept.Signal.Sdp, caller.Peers.To(1002).AppliedAnswers.Last());
        var candidates = Assert.Single(h.WireOf(CallSignalType.IceCandidates));
        Assert.True(candidates.At >= restartAccept.At);
        Assert.Equal("candidate:7 1 udp 1 127.0.0.1 7 typ host", callee.Peers.To(1001).RemoteCandidates.Single().Candidate);
    }

    [Fact]
    public async Task Max_bandwidth_from_userinfo_caps_the_call_for_the_callee_and_zero_is_not_sent()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        await caller.Client.CreateSession([1002]).CallAsync(UserInfo.Empty.WithMaxBandwidth(256), Ct);
        await h.SettleAsync();
        Assert.Equal(256, callee.IncomingSession.MaxBandwidth);
        await callee.IncomingSession.AcceptAsync(UserInfo.Empty.WithMaxBandwidth(0), Ct);
        await h.SettleAsync();
        Assert.Equal(256, callee.Peers.To(1001).Context.MaxBandwidthKbps);
        Assert.Equal(256, caller.Peers.To(1002).Context.MaxBandwidthKbps);
        Assert.Null(Assert.Single(h.WireOf(CallSignalType.Accept)).Signal.UserInfo);

        await callee.IncomingSession.SetMaxBandwidthAsync(128);
        Assert.Equal(128, callee.Peers.To(1001).MaxBandwidth);
        Assert.Equal(-1, caller.Peers.To(1002).MaxBandwidth);

        // A session created with a cap announces it in the call's userInfo.
        var capped = caller.Client.CreateSession([1002], CallType.Video, maxBandwidth: 512);
        await capped.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal("512", h.WireOf(CallSignalType.Call)[^1].Signal.UserInfo![UserInfo.MaxBandwidthKey]);
    }

    [Fact]
    public async Task Remote_candidates_that_beat_the_accept_are_kept_bounded_and_applied_after_the_answer()
    {
        await using var h = new CallHarness(new CallClientOptions { MaxPendingCandidates = 3 });
        var caller = h.AddBot(1001);
        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var early = Signal(CallSignalType.IceCandidates) with { SessionId = session.Id };
        await h.InjectAsync(1002, 1001, early);
        await h.InjectAsync(1002, 1001, early with { IceCandidates = [new("candidate:10 1 udp 1 127.0.0.1 10 typ host", "0", 0), new("", "0", 0)] });
        await h.InjectAsync(1002, 1001, early with { IceCandidates = [new("candidate:11 1 udp 1 127.0.0.1 11 typ host", "0", 0)] });
        Assert.Equal(1, caller.Client.GetDropCount(CallDropReason.CandidateQueueFull));
        Assert.Empty(caller.Peers.To(1002).RemoteCandidates);

        await h.InjectAsync(1002, 1001, Signal(CallSignalType.Accept) with { SessionId = session.Id, Sdp = "v=0 answer" });
        var pc = caller.Peers.To(1002);
        Assert.Equal(["offer", "apply-answer", "candidates"], pc.Log);
        // Empty candidate strings are skipped, as the SDK's addCandidates does.
        Assert.Equal(["candidate:9 1 udp 1 127.0.0.1 9 typ host", "candidate:10 1 udp 1 127.0.0.1 10 typ host"], pc.RemoteCandidates.Select(c => c.Candidate));
    }
}
