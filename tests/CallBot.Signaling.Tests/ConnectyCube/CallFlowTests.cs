using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Two bots over the loopback hub: the call / accept / iceCandidates / hangUp rows of the signal table.</summary>
public sealed class CallFlowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IceCandidateInit Host(int n) => new($"candidate:{n} 1 udp 2122260223 127.0.0.1 {50000 + n} typ host", "0", 0);

    [Fact]
    public async Task Call_accept_candidates_and_caller_hang_up_go_over_the_wire_as_the_sdk_does()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);

        var session = caller.Client.CreateSession([1002], CallType.Video);
        await session.CallAsync(UserInfo.Empty.With("name", "bot"), Ct);
        await h.SettleAsync();

        // call: one stanza to the callee, carrying the offer the fake peer connection made.
        var call = Assert.Single(h.WireOf(CallSignalType.Call));
        Assert.Equal((1001, 1002), (call.From, call.To));
        Assert.Equal(session.Id, call.Signal.SessionId);
        Assert.Equal(1001, call.Signal.CallerId);
        Assert.Equal([1002], call.Signal.OpponentIds);
        Assert.Equal(CallType.Video, call.Signal.CallType);
        Assert.Equal(caller.Peers.To(1002).OffersCreated.Single(), call.Signal.Sdp);
        Assert.Equal("bot", call.Signal.UserInfo!["name"]);
        Assert.Equal("node", call.Signal.Platform);

        // The callee rings: one incoming call with the caller's userInfo, no peer connection until it accepts.
        var incoming = callee.IncomingSession;
        Assert.Equal(["call:1001"], callee.EventKinds);
        Assert.Equal("bot", callee.Events.Single().UserInfo["name"]);
        Assert.Equal(CallSessionState.New, incoming.State);
        Assert.Empty(callee.Peers.Created);
        Assert.False(incoming.IsInitiator);

        // The caller gathers candidates before any answer: they wait.
        caller.Peers.To(1002).EmitCandidate(Host(1));
        caller.Peers.To(1002).EmitCandidate(Host(2) with { SdpMid = "1", SdpMLineIndex = 1 });
        await h.SettleAsync();
        Assert.Empty(h.WireOf(CallSignalType.IceCandidates));

        await incoming.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var accept = Assert.Single(h.WireOf(CallSignalType.Accept));
        Assert.Equal((1002, 1001), (accept.From, accept.To));
        Assert.Null(accept.Signal.UserInfo); // an empty userInfo is not sent
        Assert.Equal(callee.Peers.To(1001).RemoteOffers.Single(), call.Signal.Sdp);
        Assert.Equal(PeerRole.Answerer, callee.Peers.To(1001).Context.Role);
        Assert.Equal(accept.Signal.Sdp, caller.Peers.To(1002).AppliedAnswers.Single());
        Assert.Contains("accept:1002", caller.EventKinds);
        Assert.Equal(CallSessionState.Active, incoming.State);

        // Once the answer is applied the caller sends its queued candidates as ONE batch, in order.
        var batch = Assert.Single(h.WireOf(CallSignalType.IceCandidates));
        Assert.Equal((1001, 1002), (batch.From, batch.To));
        Assert.Equal([Host(1), Host(2) with { SdpMid = "1", SdpMLineIndex = 1 }], batch.Signal.IceCandidates);
        Assert.Equal(batch.Signal.IceCandidates, callee.Peers.To(1001).RemoteCandidates);

        // The callee is stable after its answer: each candidate goes out on its own.
        callee.Peers.To(1001).EmitCandidate(Host(3));
        callee.Peers.To(1001).EmitCandidate(Host(4));
        await h.SettleAsync();
        var fromCallee = h.WireOf(CallSignalType.IceCandidates).Where(w => w.From == 1002).ToList();
        Assert.Equal(2, fromCallee.Count);
        Assert.All(fromCallee, w => Assert.Single(w.Signal.IceCandidates));
        Assert.Equal([Host(3), Host(4)], caller.Peers.To(1002).RemoteCandidates);

        // No re-dial once accepted.
        await h.AdvanceAsync(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5));
        Assert.Single(h.WireOf(CallSignalType.Call));

        // The initiator hangs up: hangUp to the callee, both sessions close, peer connections are disposed.
        await session.StopAsync(cancellationToken: Ct);
        await h.SettleAsync();
        var hangUp = Assert.Single(h.WireOf(CallSignalType.HangUp));
        Assert.Equal((1001, 1002), (hangUp.From, hangUp.To));
        Assert.Equal(CallSessionState.Closed, session.State);
        Assert.Equal(CallSessionState.Closed, incoming.State);
        Assert.Equal(["call:1001", "stop:1001", "close"], callee.EventKinds);
        Assert.Equal(["accept:1002", "close"], caller.EventKinds);
        Assert.True(caller.Peers.To(1002).Disposed);
        Assert.True(callee.Peers.To(1001).Disposed);
        Assert.Equal(0, caller.Client.LiveSessionCount);
        Assert.Equal(0, callee.Client.LiveSessionCount);
        Assert.Equal(0, caller.Client.TotalDrops);
        Assert.Equal(0, callee.Client.TotalDrops);
    }

    [Fact]
    public async Task Callee_hang_up_ends_a_two_party_call_for_both()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        var session = caller.Client.CreateSession([1002]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await callee.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();

        await callee.IncomingSession.StopAsync(UserInfo.Empty.With("reason", "done"), Ct);
        await h.SettleAsync();

        var hangUp = Assert.Single(h.WireOf(CallSignalType.HangUp));
        Assert.Equal((1002, 1001), (hangUp.From, hangUp.To));
        Assert.Equal("done", hangUp.Signal.UserInfo!["reason"]);
        Assert.Equal(["accept:1002", "stop:1002", "close"], caller.EventKinds);
        Assert.Equal(CallSessionState.Closed, session.State);
        Assert.Equal("done", caller.Events.Single(e => e.Kind == "stop").UserInfo["reason"]);
    }
}
