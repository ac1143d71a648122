using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CallBot.Abstractions;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Rtc;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (7): <c>maxBandwidth</c> in the caller's <c>userInfo</c> is honoured by both sides. The SDK caps its
/// video sender (<c>encodings[0].maxBitrate</c> = kbit/s × 1000); the bot's video transceiver aims at or below the cap
/// (<see cref="CallBot.Rtc.RtpTransceiver.TargetBitrateKbps"/>), and what the browser actually receives from the bot (RTP
/// payload bytes over a few seconds, after the ladder switched at a key frame) stays under it.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotMaxBandwidthTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private const int CapKbps = 150;

    [Fact]
    public async Task Browser_call_with_maxBandwidth_caps_the_SDK_sender_and_the_bot_sender()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Video, new { maxBandwidth = CapKbps });
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 5, minAudioBytes: 0);

        Assert.Equal(CapKbps, Assert.IsType<CallSession>(bot.Session(sessionId)).MaxBandwidth);
        await AssertBothSidesCappedAsync(browser, bot, sessionId);
    }

    [Fact]
    public async Task Bot_call_with_maxBandwidth_reaches_the_SDK_and_caps_both_senders()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { MaxBandwidthKbps = CapKbps }, TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        _ = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        Assert.Equal(CapKbps.ToString(CultureInfo.InvariantCulture), incoming.UserInfo?.GetProperty("maxBandwidth").ToString());
        Assert.Equal(CapKbps, (await browser.GetSessionStateAsync()).GetProperty("maxBandwidth").GetInt32());
        await browser.AcceptAsync();
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 5, minAudioBytes: 0);

        await AssertBothSidesCappedAsync(browser, bot, incoming.SessionId!);
        await browser.HangUpAsync();
    }

    private static async Task AssertBothSidesCappedAsync(ConnectyCubeBrowserClient browser, InteropBot bot, string sessionId)
    {
        Assert.Equal(CapKbps * 1000, VideoMaxBitrate(await browser.GetSessionStateAsync(sessionId), bot.UserId));

        var connection = Assert.IsType<PeerConnectionAdapter>(bot.Connection(sessionId, browser.UserId));
        var video = Assert.Single(connection.PeerConnection.Transceivers, t => t.Kind == MediaKind.Video);
        Assert.InRange(video.TargetBitrateKbps, 1, CapKbps);

        // The synthetic clip's ladder is 600 / 240 / 100 kbit/s and switches at key frames (every 2 s): let one pass, then measure.
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 75, minAudioBytes: 0, timeout: TimeSpan.FromSeconds(30));
        var clock = Stopwatch.StartNew();
        var (before, after) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 90, minAudioBytes: 0, timeout: TimeSpan.FromSeconds(30));
        var kbps = (after.InboundVideo!.BytesReceived - before.InboundVideo!.BytesReceived) * 8 / clock.Elapsed.TotalMilliseconds;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bot → browser video {kbps:0} kbit/s ({after.InboundVideo.FrameWidth}x{after.InboundVideo.FrameHeight}), bot target {video.TargetBitrateKbps} kbit/s, cap {CapKbps}"));
        Assert.InRange(kbps, 1, CapKbps);
        Assert.True(after.InboundVideo.FrameWidth < 640, $"still the top rendition: {after.InboundVideo.FrameWidth}x{after.InboundVideo.FrameHeight}");
    }

    private static int VideoMaxBitrate(JsonElement state, int peer) =>
        state.GetProperty("peers").GetProperty(peer.ToString(CultureInfo.InvariantCulture)).GetProperty("videoMaxBitrates")[0][0].GetInt32();
}
