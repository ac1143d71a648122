using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (4): hang-up from either side ends the call on both within 2 s. The two cases not covered by
/// <see cref="BrowserCallsBotTests"/> (browser caller hangs up) and <see cref="BotCallsBrowserTests"/> (bot caller hangs
/// up): the bot hangs up a call it answered, and the browser hangs up a call the bot placed. Page times are epoch
/// milliseconds of the same machine clock as the bot's <see cref="DateTimeOffset.UtcNow"/>.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotHangUpTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HangUpLimit = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Bot_hangs_up_a_call_it_answered_and_the_SDK_session_closes_within_2_s()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var sessionId = await browser.CallAsync([bot.UserId]);
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 5, minAudioBytes: 1000);

        var hungUpAt = DateTimeOffset.UtcNow;
        await Assert.IsType<CallSession>(bot.Session(sessionId)).StopAsync(cancellationToken: TestContext.Current.CancellationToken);

        var stop = await browser.WaitForEventAsync(SdkEventNames.Stop, e => e.SessionId == sessionId, HangUpLimit);
        Assert.Equal(bot.UserId, stop.UserId);
        var closed = await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, HangUpLimit);
        var (outcome, botEnded) = await bot.WhenEnded(sessionId).WaitAsync(HangUpLimit, TestContext.Current.CancellationToken);
        Assert.True(closed.TimeMs - hungUpAt.ToUnixTimeMilliseconds() < HangUpLimit.TotalMilliseconds);
        Assert.True(botEnded - hungUpAt < HangUpLimit, $"{(botEnded - hungUpAt).TotalMilliseconds:0} ms");
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.False(outcome.EndedByRemote);
        Assert.Equal(5, (await browser.GetSessionStateAsync(sessionId)).GetProperty("state").GetInt32()); // CLOSED
    }

    [Fact]
    public async Task Browser_hangs_up_a_call_the_bot_placed_and_the_bot_call_ends_within_2_s()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        await browser.AcceptAsync();
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 5, minAudioBytes: 1000);

        await browser.HangUpAsync();
        var outcome = await call.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var sent = await browser.WaitForEventAsync(SdkEventNames.SignalSent, e => e.SignalType == "hangUp");
        var botEnded = (await bot.WhenEnded(incoming.SessionId!)).At;
        var afterHangUp = botEnded.ToUnixTimeMilliseconds() - sent.TimeMs;
        Assert.True(afterHangUp < HangUpLimit.TotalMilliseconds, $"the bot's call ended {afterHangUp:0} ms after the page sent hangUp");
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.True(outcome.EndedByRemote);
        Assert.True(outcome.MediaFlowed);
        await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == incoming.SessionId);
    }
}
