using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (1): the REAL ConnectyCube SDK in Chromium calls a CallBot bot through Prosody (both over wss://), the
/// bot answers by policy, media flows both ways (the browser's getStats and the bot's frame counters), and after the hang-up
/// the bot's recording is valid per ffprobe with both streams and decodes cleanly.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BrowserCallsBotTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browser_calls_bot_bot_answers_both_see_video_and_audio_and_the_bot_recording_is_valid()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Video, new { purpose = "botsdk" });
        var accept = await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
        Assert.Equal(bot.UserId, accept.UserId);
        await bot.AcceptedAsync(sessionId, Timeout);
        var remote = await browser.WaitForEventAsync(SdkEventNames.RemoteStream, e => e.SessionId == sessionId);
        Assert.Equal(1, remote.Data.GetProperty("videoTracks").GetInt32());
        Assert.Equal(1, remote.Data.GetProperty("audioTracks").GetInt32());

        var (_, atBrowser) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 20, minAudioBytes: 4000);
        Assert.Contains("vp8", atBrowser.InboundVideo!.Codec, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("opus", atBrowser.InboundAudio!.Codec, StringComparison.OrdinalIgnoreCase);
        Assert.True(atBrowser.InboundVideo.FrameWidth > 0);
        Assert.Equal("connected", atBrowser.IceConnectionState);
        // Three more seconds of the browser's 15 fps camera at the bot: frames keep arriving, and there is media to record.
        var (before, atBot) = await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 45, minAudioFrames: 150, Timeout);
        Assert.True(atBot.FramesSent > before.FramesSent, "the bot stopped sending");

        await browser.HangUpAsync();
        var outcome = await bot.EndedAsync(sessionId, Timeout);
        var sent = await browser.WaitForEventAsync(SdkEventNames.SignalSent, e => e.SignalType == "hangUp");
        var afterHangUp = (await bot.WhenEnded(sessionId)).At.ToUnixTimeMilliseconds() - sent.TimeMs;
        Assert.True(afterHangUp < 2000, $"the bot's call ended {afterHangUp:0} ms after the page sent hangUp");

        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Equal(CallDirection.Incoming, outcome.Direction);
        Assert.Equal(browser.UserId, outcome.RemoteUserId);
        Assert.True(outcome.Video);
        Assert.True(outcome.EndedByRemote);
        Assert.True(outcome.MediaFlowed, $"sent {outcome.FramesSent} video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived}");
        Assert.Null(outcome.Error);
        await RecordingAssert.ValidAsync(outcome, expectVideo: true, minSeconds: 2.5);
    }
}
