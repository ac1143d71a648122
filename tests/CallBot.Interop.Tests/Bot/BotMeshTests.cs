using CallBot.Rtc;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 8 must-show (group): the REAL SDK in two Chromium pages (A, B) and two bots (C, D) in one 4-party video mesh
/// call. All six pairs connect (each page's getStats per peer, each bot's peer connection state and frame counters);
/// B, who is not the initiator, leaves and the other three stay connected with media still rising; then the initiator
/// hangs up and everyone ends within a few seconds. Each bot records the three others: three valid files per bot.
/// User ids are handed out so that, between callees (the larger id offers), a page offers to a bot, a bot to a page and
/// a bot to a bot.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotMeshTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan EndLimit = TimeSpan.FromSeconds(5);

    // Re-dial every second: a later callee's offer can beat an earlier callee's accept, and that pair connects at the next re-dial.
    private static readonly ConnectyCubeSdkOptions MeshOptions = new() { DialingTimeInterval = 1 };

    [Fact]
    public async Task Browser_A_calls_browser_B_and_bots_C_D_all_six_pairs_connect_B_leaves_the_rest_go_on_A_hangs_up_and_all_end()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness(MeshOptions);
        var a = await sdk.LoginAsync(fixture.NewUserId());
        await using var c = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { DialingTimeInterval = 1 }, ct);
        var b = await sdk.LoginAsync(fixture.NewUserId());
        await using var d = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { DialingTimeInterval = 1 }, ct);

        var sessionId = await a.CallAsync([b.UserId, c.UserId, d.UserId], SdkCallType.Video);
        await b.WaitForIncomingCallAsync();
        await b.AcceptAsync();
        await c.AcceptedAsync(sessionId, Timeout);
        await d.AcceptedAsync(sessionId, Timeout);
        var mesh = new Mesh(sessionId, [a, b], [c, d]);

        await mesh.AllPairsFlowAsync();
        foreach (var bot in new[] { c, d })
        {
            var session = Assert.IsType<CallSession>(bot.Session(sessionId));
            Assert.Equal(a.UserId, session.InitiatorId);
            Assert.Equal(3, session.PeerUserIds.Count);
        }

        // B (a callee) leaves: only its three pairs close.
        await b.HangUpAsync();
        await b.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, EndLimit);
        await c.WaitForConnectionStateAsync(sessionId, b.UserId, PeerConnectionState.Closed, EndLimit);
        await d.WaitForConnectionStateAsync(sessionId, b.UserId, PeerConnectionState.Closed, EndLimit);
        var rest = new Mesh(sessionId, [a], [c, d]);
        await rest.AllPairsFlowAsync();
        Assert.Equal(CallSessionState.Active, c.Session(sessionId)?.State);
        Assert.Equal(CallSessionState.Active, d.Session(sessionId)?.State);
        Assert.Equal(2, (await a.GetSessionStateAsync(sessionId)).GetProperty("state").GetInt32()); // ACTIVE
        Assert.DoesNotContain(a.Events, e => e.Name == SdkEventNames.Close && e.SessionId == sessionId);

        // The initiator hangs up: the call ends for everyone.
        var hungUpAt = DateTimeOffset.UtcNow;
        await a.HangUpAsync();
        var (atC, cEnded) = await c.WhenEnded(sessionId).WaitAsync(EndLimit, ct);
        var (atD, dEnded) = await d.WhenEnded(sessionId).WaitAsync(EndLimit, ct);
        await a.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, EndLimit);
        Assert.True(cEnded - hungUpAt < EndLimit && dEnded - hungUpAt < EndLimit, $"bots ended {(cEnded - hungUpAt).TotalMilliseconds:0} / {(dEnded - hungUpAt).TotalMilliseconds:0} ms after the hang-up");

        foreach (var outcome in new[] { atC, atD })
        {
            Assert.Equal(CallDisposition.Completed, outcome.Result);
            Assert.Equal(CallDirection.Incoming, outcome.Direction);
            Assert.Equal(a.UserId, outcome.RemoteUserId);
            Assert.True(outcome.MediaFlowed, $"bot {outcome.BotUserId}: sent {outcome.FramesSent} received {outcome.FramesReceived}");
            Assert.Equal(3, outcome.PeerMedia.Count);
            await RecordingAssert.EachValidAsync(outcome, participants: 3, expectVideo: true, minSeconds: 1.5);
        }
    }

    [Fact]
    public async Task Bot_C_calls_browsers_A_B_and_bot_D_all_six_pairs_connect_B_leaves_the_rest_go_on_C_hangs_up_and_all_end()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness(MeshOptions);
        await using var c = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { DialingTimeInterval = 1 }, ct);
        var a = await sdk.LoginAsync(fixture.NewUserId());
        await using var d = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { DialingTimeInterval = 1 }, ct);
        var b = await sdk.LoginAsync(fixture.NewUserId());

        var call = c.Agent.PlaceCallAsync([a.UserId, b.UserId, d.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: ct);
        var incomingA = await a.WaitForIncomingCallAsync();
        var sessionId = incomingA.SessionId!;
        Assert.Equal(c.UserId, incomingA.UserId);
        await b.WaitForIncomingCallAsync();
        await a.AcceptAsync();
        await b.AcceptAsync();
        await d.AcceptedAsync(sessionId, Timeout);
        var mesh = new Mesh(sessionId, [a, b], [c, d]);

        await mesh.AllPairsFlowAsync();
        Assert.True(Assert.IsType<CallSession>(c.Session(sessionId)).IsInitiator);

        await b.HangUpAsync();
        await b.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, EndLimit);
        await c.WaitForConnectionStateAsync(sessionId, b.UserId, PeerConnectionState.Closed, EndLimit);
        await d.WaitForConnectionStateAsync(sessionId, b.UserId, PeerConnectionState.Closed, EndLimit);
        await new Mesh(sessionId, [a], [c, d]).AllPairsFlowAsync();
        Assert.False(call.IsCompleted, "the initiating bot's call ended when a callee left");
        Assert.Equal(CallSessionState.Active, d.Session(sessionId)?.State);

        var hungUpAt = DateTimeOffset.UtcNow;
        await Assert.IsType<CallSession>(c.Session(sessionId)).StopAsync(cancellationToken: ct);
        var atC = await call.WaitAsync(EndLimit, ct);
        var (atD, dEnded) = await d.WhenEnded(sessionId).WaitAsync(EndLimit, ct);
        var closed = await a.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, EndLimit);
        Assert.True(dEnded - hungUpAt < EndLimit, $"bot D ended {(dEnded - hungUpAt).TotalMilliseconds:0} ms after the hang-up");
        Assert.True(closed.TimeMs - hungUpAt.ToUnixTimeMilliseconds() < EndLimit.TotalMilliseconds);

        Assert.Equal(CallDirection.Outgoing, atC.Direction);
        Assert.Equal(CallDirection.Incoming, atD.Direction);
        foreach (var outcome in new[] { atC, atD })
        {
            Assert.Equal(CallDisposition.Completed, outcome.Result);
            Assert.True(outcome.MediaFlowed, $"bot {outcome.BotUserId}: sent {outcome.FramesSent} received {outcome.FramesReceived}");
            await RecordingAssert.EachValidAsync(outcome, participants: 3, expectVideo: true, minSeconds: 1.5);
        }
    }

    /// <summary>The participants of one mesh call, seen from each side: every page's getStats and every bot's counters, per peer.</summary>
    private sealed class Mesh(string sessionId, IReadOnlyList<ConnectyCubeBrowserClient> browsers, IReadOnlyList<InteropBot> bots)
    {
        private IEnumerable<int> Everyone => browsers.Select(b => b.UserId).Concat(bots.Select(b => b.UserId));

        /// <summary>Every ordered pair receives fresh video and audio from now on, and every pair reports connected.</summary>
        public async Task AllPairsFlowAsync()
        {
            foreach (var browser in browsers)
            {
                foreach (var peer in Everyone.Where(id => id != browser.UserId))
                {
                    var (_, after) = await browser.WaitForMediaFlowAsync(peer, minVideoFrames: 10, minAudioBytes: 2000, sessionId: sessionId, timeout: Timeout);
                    Assert.True(after.IceConnectionState is "connected" or "completed", $"page {browser.UserId} with {peer}: {after.IceConnectionState}");
                }
            }

            foreach (var bot in bots)
            {
                foreach (var peer in Everyone.Where(id => id != bot.UserId))
                {
                    await bot.WaitForMediaFromAsync(sessionId, peer, minVideoFrames: 10, minAudioFrames: 50, Timeout);
                    var connection = bot.Connection(sessionId, peer);
                    Assert.NotNull(connection);
                    Assert.Equal(PeerConnectionState.Connected, connection.PeerConnection.ConnectionState);
                }
            }
        }
    }
}
