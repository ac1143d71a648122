using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (6): audio-only calls both ways between a CallBot bot and the REAL SDK: one audio track each way,
/// Opus flowing, no video anywhere, and an audio-only recording.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotAudioOnlyTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browser_audio_call_to_the_bot_carries_audio_only_both_ways()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Audio);
        await AssertAudioOnlyAsync(browser, bot, sessionId);

        await browser.HangUpAsync();
        var outcome = await bot.EndedAsync(sessionId, Timeout);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.False(outcome.Video);
        Assert.True(outcome.MediaFlowed);
        await RecordingAssert.ValidAsync(outcome, expectVideo: false, minSeconds: 1.5);
    }

    [Fact]
    public async Task Bot_audio_call_to_the_browser_carries_audio_only_both_ways()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Audio, TimeSpan.FromMinutes(5), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        Assert.Equal(SdkCallType.Audio, incoming.CallType);
        await browser.AcceptAsync();
        await AssertAudioOnlyAsync(browser, bot, incoming.SessionId!);

        await browser.HangUpAsync();
        var outcome = await call.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.False(outcome.Video);
        Assert.True(outcome.MediaFlowed);
        await RecordingAssert.ValidAsync(outcome, expectVideo: false, minSeconds: 1.5);
    }

    private static async Task AssertAudioOnlyAsync(ConnectyCubeBrowserClient browser, InteropBot bot, string sessionId)
    {
        var remote = await browser.WaitForEventAsync(SdkEventNames.RemoteStream, e => e.SessionId == sessionId);
        Assert.Equal(0, remote.Data.GetProperty("videoTracks").GetInt32());
        Assert.Equal(1, remote.Data.GetProperty("audioTracks").GetInt32());
        var (_, atBrowser) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 0, minAudioBytes: 6000);
        Assert.Null(atBrowser.InboundVideo);
        Assert.Null(atBrowser.OutboundVideo);
        Assert.Contains("opus", atBrowser.InboundAudio!.Codec, StringComparison.OrdinalIgnoreCase);
        var (_, atBot) = await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 0, minAudioFrames: 100, Timeout);
        Assert.Equal(0, atBot.VideoFramesReceived);
        Assert.Equal(0, atBot.VideoFramesSent);
        var connection = Assert.IsType<CallBot.Worker.Rtc.PeerConnectionAdapter>(bot.Connection(sessionId, browser.UserId));
        var transceiver = Assert.Single(connection.PeerConnection.Transceivers);
        Assert.Equal(CallBot.Abstractions.MediaKind.Audio, transceiver.Kind);
        Assert.DoesNotContain("m=video", connection.PeerConnection.LocalDescription, StringComparison.Ordinal);
    }
}
