using CallBot.Signaling.ConnectyCube;
using CallBot.Signaling.Tests.ConnectyCube.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Signaling.Tests.ConnectyCube;

/// <summary>Failures around the state machine: a peer connection that fails, an app handler that throws, disposal.</summary>
public sealed class CallRobustnessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_offer_releases_only_that_pair_and_a_call_with_no_pair_left_closes()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        h.AddBot(1002);
        h.AddBot(1003);
        caller.Peers.FailOffersTo.Add(1003);
        var session = caller.Client.CreateSession([1002, 1003]);
        await session.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal([1002], h.WireOf(CallSignalType.Call).Select(w => w.To));
        Assert.Equal(CallSessionState.Active, session.State);
        Assert.Equal(PeerLinkState.Closed, await session.GetPeerStateAsync(1003));

        caller.Peers.FailOffersTo.Add(1002);
        var doomed = caller.Client.CreateSession([1002]);
        await doomed.CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Equal(CallSessionState.Closed, doomed.State);
        Assert.Contains(caller.Events, e => e.Kind == "close" && e.SessionId == doomed.Id);
    }

    [Fact]
    public async Task A_throwing_app_handler_does_not_stop_the_call_layer()
    {
        await using var h = new CallHarness();
        var caller = h.AddBot(1001);
        var callee = h.AddBot(1002);
        callee.Client.IncomingCall += (_, _) => throw new InvalidOperationException("app bug");
        await caller.Client.CreateSession([1002]).CallAsync(cancellationToken: Ct);
        await h.SettleAsync();
        await callee.IncomingSession.AcceptAsync(cancellationToken: Ct);
        await h.SettleAsync();
        Assert.Contains("accept:1002", caller.EventKinds);
    }

    [Fact]
    public async Task Dispose_releases_every_peer_connection_and_timer_and_later_calls_fail_cleanly()
    {
        var transport = new FakeChatTransport("1001-7@chat.test/bot");
        var peers = new FakePeerFactory();
        var time = new FakeTimeProvider();
        var client = new CallClient(transport, peers, new CallClientOptions(), time);
        var session = client.CreateSession([1002, 1003]);
        await session.CallAsync(cancellationToken: Ct);
        await client.WhenEventsRaisedAsync();
        Assert.Equal(2, transport.Sent.Count);

        await client.DisposeAsync();
        Assert.All(peers.Created, p => Assert.True(p.Disposed));
        Assert.Equal(CallSessionState.Closed, session.State);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, transport.Sent.Count); // no re-dial after dispose
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.StopAsync(cancellationToken: Ct));
        Assert.Throws<ObjectDisposedException>(() => client.CreateSession([1002]));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Creating_a_session_checks_the_mesh_limit_and_the_opponents()
    {
        await using var client = new CallClient(new FakeChatTransport("1001-7@chat.test/bot"), new FakePeerFactory());
        Assert.Throws<ArgumentException>(() => client.CreateSession([]));
        Assert.Throws<ArgumentException>(() => client.CreateSession([1002, 1003, 1004, 1005]));
        Assert.Throws<ArgumentException>(() => client.CreateSession([1001]));
        Assert.Throws<ArgumentException>(() => client.CreateSession([1002, 1002]));
        var session = client.CreateSession([1002, 1003, 1004]);
        Assert.True(session.IsInitiator);
        Assert.Equal(1001, session.InitiatorId);
        await Assert.ThrowsAsync<InvalidOperationException>(() => session.AcceptAsync(cancellationToken: Ct));
        await using var offline = new CallClient(new FakeChatTransport(""), new FakePeerFactory());
        Assert.Throws<InvalidOperationException>(() => offline.CreateSession([1002]));
        Assert.Throws<ArgumentException>(() => new CallClient(new FakeChatTransport(""), new FakePeerFactory(), new CallClientOptions { MaxSessions = 0 }));
    }
}
