using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (2): a CallBot bot calls the REAL SDK in Chromium; the SDK's <c>onCallListener</c> fires with the
/// bot as caller, the page accepts, media flows both ways, the bot hangs up and the page's session ends within 2 s; the
/// bot's recording is valid and decodes cleanly.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotCallsBrowserTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HangUpLimit = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Bot_calls_browser_onCallListener_fires_browser_accepts_media_both_ways_bot_hang_up_ends_it_within_2_s()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        Assert.Equal(bot.UserId, incoming.UserId);
        Assert.Equal(SdkCallType.Video, incoming.CallType);
        var sessionId = incoming.SessionId!;
        await browser.AcceptAsync();

        var remote = await browser.WaitForEventAsync(SdkEventNames.RemoteStream, e => e.SessionId == sessionId);
        Assert.Equal(1, remote.Data.GetProperty("videoTracks").GetInt32());
        Assert.Equal(1, remote.Data.GetProperty("audioTracks").GetInt32());
        var (_, atBrowser) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 20, minAudioBytes: 4000);
        Assert.Contains("vp8", atBrowser.InboundVideo!.Codec, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("connected", atBrowser.IceConnectionState);
        await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 45, minAudioFrames: 150, Timeout);

        var session = Assert.IsType<CallSession>(bot.Session(sessionId));
        var hungUpAt = DateTimeOffset.UtcNow;
        await session.StopAsync(cancellationToken: TestContext.Current.CancellationToken);
        var stop = await browser.WaitForEventAsync(SdkEventNames.Stop, e => e.SessionId == sessionId, HangUpLimit);
        Assert.Equal(bot.UserId, stop.UserId);
        var closed = await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, HangUpLimit);
        var outcome = await call.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var botEnded = (await bot.WhenEnded(sessionId)).At;

        Assert.True(closed.TimeMs - hungUpAt.ToUnixTimeMilliseconds() < HangUpLimit.TotalMilliseconds, $"browser closed {closed.TimeMs - hungUpAt.ToUnixTimeMilliseconds():0} ms after the bot hung up");
        Assert.True(botEnded - hungUpAt < HangUpLimit, $"the bot's call ended {(botEnded - hungUpAt).TotalMilliseconds:0} ms after its hang-up");
        Assert.Equal(sessionId, outcome.SessionId);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Equal(CallDirection.Outgoing, outcome.Direction);
        Assert.False(outcome.EndedByRemote);
        Assert.True(outcome.MediaFlowed, $"sent {outcome.FramesSent} video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived}");
        await RecordingAssert.ValidAsync(outcome, expectVideo: true, minSeconds: 2.5);
    }
}
