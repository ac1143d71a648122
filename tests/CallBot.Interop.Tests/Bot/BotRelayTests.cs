using CallBot.Rtc;
using CallBot.Rtc.Ice;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Coturn;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 8 must-show: relay-only calls through a private coturn on loopback. Bots configured like the worker
/// (<c>CallBot:VideoChat:AlwaysRelayCalls</c> + <c>IceServers</c>) call each other, and the REAL SDK in Chromium
/// (<c>alwaysRelayCalls: true</c> + <c>iceServers</c>) calls a bot; the selected candidate pair is relay ↔ relay on both
/// ends (browser getStats, the bot's own peer connection stats) and media flows both ways.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotRelayTests(SdkInteropFixture fixture, BotHostFixture bots, CoturnFixture coturn) : IClassFixture<CoturnFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_relay_only_bots_call_each_other_through_coturn_relay_pairs_on_both_ends_media_both_ways()
    {
        var ct = TestContext.Current.CancellationToken;
        // The caller reaches coturn over UDP, the callee over TCP: both transports carry a call.
        await using var caller = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), RelaySpec(coturn.UdpUrl), ct);
        await using var callee = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), RelaySpec(coturn.TcpUrl), ct);

        var call = caller.Agent.PlaceCallAsync([callee.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: ct);
        var sessionId = await callee.FirstIncomingCall.WaitAsync(Timeout, ct);
        await callee.AcceptedAsync(sessionId, Timeout);
        await callee.WaitForMediaFromAsync(sessionId, caller.UserId, minVideoFrames: 20, minAudioFrames: 50, Timeout);
        await caller.WaitForMediaFromAsync(sessionId, callee.UserId, minVideoFrames: 20, minAudioFrames: 50, Timeout);

        AssertRelayPair(caller.Connection(sessionId, callee.UserId)?.PeerConnection, "caller");
        AssertRelayPair(callee.Connection(sessionId, caller.UserId)?.PeerConnection, "callee");

        var session = Assert.IsType<CallSession>(caller.Session(sessionId));
        await session.StopAsync(cancellationToken: ct);
        var outcome = await call.WaitAsync(Timeout, ct);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.True(outcome.MediaFlowed, $"sent {outcome.FramesSent} video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived}");
    }

    [Fact]
    public async Task Sdk_with_alwaysRelayCalls_calls_a_relay_only_bot_relay_pairs_on_both_ends_media_both_ways()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness(new ConnectyCubeSdkOptions
        {
            DialingTimeInterval = 2,
            AlwaysRelayCalls = true,
            IceServers =
            [
                new Dictionary<string, string> { ["urls"] = coturn.UdpUrl, ["username"] = coturn.Username, ["credential"] = coturn.Password },
            ],
        });
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), RelaySpec(coturn.UdpUrl), ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Video, new { purpose = "relay" });
        await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
        var (_, atBrowser) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 20, minAudioBytes: 4000, timeout: Timeout);
        await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 30, minAudioFrames: 100, Timeout);

        var pair = atBrowser.SelectedPair;
        Assert.NotNull(pair);
        Assert.Equal("relay", pair.LocalType);
        Assert.Equal("relay", pair.RemoteType);
        Assert.InRange(pair.LocalPort, coturn.MinRelayPort, coturn.MaxRelayPort);
        AssertRelayPair(bot.Connection(sessionId, browser.UserId)?.PeerConnection, "bot");

        await browser.HangUpAsync();
        var outcome = await bot.EndedAsync(sessionId, Timeout);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.True(outcome.MediaFlowed);
    }

    private BotSpec RelaySpec(string turnUrl) => new()
    {
        AlwaysRelayCalls = true,
        IceServers = [new IceServerOptions { Urls = [turnUrl], Username = coturn.Username, Credential = coturn.Password }],
    };

    private void AssertRelayPair(RtcPeerConnection? pc, string who)
    {
        Assert.NotNull(pc);
        var pair = pc.GetStats().SelectedCandidatePair;
        Assert.True(pair is not null, $"{who}: no selected pair; coturn log:\n{coturn.ReadLog()}");
        Assert.Equal(IceCandidateType.Relay, pair.LocalCandidateType);
        Assert.Equal(IceCandidateType.Relay, pair.RemoteCandidateType);
        Assert.True(pair.LocalAddress.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{who}: {pair.LocalAddress}");
    }
}
