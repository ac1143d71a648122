using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (3): reject and busy both ways between a CallBot bot and the REAL SDK — the bot's Reject / Busy
/// policy and a bot already in a call as the SDK sees them (<c>onRejectCallListener</c>, <c>userInfo.busy</c>), and the
/// page rejecting the bot's call as the bot's outcome.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotRejectAndBusyTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(AnswerPolicy.Reject, CallDisposition.Rejected)]
    [InlineData(AnswerPolicy.Busy, CallDisposition.Busy)]
    public async Task Bot_policy_rejects_the_browser_call_and_the_SDK_sees_the_reject(AnswerPolicy policy, CallDisposition expected)
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { Policy = policy }, TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId]);
        var reject = await browser.WaitForEventAsync(SdkEventNames.Reject, e => e.SessionId == sessionId);
        Assert.Equal(bot.UserId, reject.UserId);
        var busy = reject.UserInfo is { } info && info.TryGetProperty("busy", out var b) ? b.ToString() : null;
        if (expected == CallDisposition.Busy)
        {
            Assert.Equal("true", busy, ignoreCase: true);
        }
        else
        {
            Assert.Null(busy);
        }

        await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId);
        var outcome = await bot.EndedAsync(sessionId, Timeout);
        Assert.Equal(expected, outcome.Result);
        Assert.Equal(CallDirection.Incoming, outcome.Direction);
        Assert.DoesNotContain(browser.Events, e => e.Name is SdkEventNames.Accept or SdkEventNames.RemoteStream);
        Assert.Null(bot.Connection(sessionId, browser.UserId));
        Assert.Empty(outcome.RecordingFiles);
    }

    [Fact]
    public async Task Bot_in_a_call_rejects_a_second_browser_call_as_busy_and_the_first_call_goes_on()
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var first = await sdk.LoginAsync(fixture.NewUserId());
        var second = await sdk.LoginAsync(fixture.NewUserId());
        var firstSession = await first.CallAsync([bot.UserId]);
        await first.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 5, minAudioBytes: 1000);

        var secondSession = await second.CallAsync([bot.UserId], SdkCallType.Audio);
        var reject = await second.WaitForEventAsync(SdkEventNames.Reject, e => e.SessionId == secondSession);

        Assert.Equal("true", reject.UserInfo?.GetProperty("busy").ToString(), ignoreCase: true);
        Assert.Equal(CallDisposition.Busy, (await bot.EndedAsync(secondSession, Timeout)).Result);
        await first.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 10, minAudioBytes: 2000);
        await bot.WaitForMediaFromAsync(firstSession, first.UserId, minVideoFrames: 10, minAudioFrames: 20, Timeout);
        Assert.DoesNotContain(first.Events, e => e.Name is SdkEventNames.Stop or SdkEventNames.Close);
    }

    [Theory]
    [InlineData(false, CallDisposition.Rejected)]
    [InlineData(true, CallDisposition.Busy)]
    public async Task Browser_rejects_the_bot_call_and_the_bot_outcome_says_so(bool busy, CallDisposition expected)
    {
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(1), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        await browser.RejectAsync(userInfo: busy ? new { busy = true } : new { reason = "declined" });
        var outcome = await call.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(incoming.SessionId, outcome.SessionId);
        Assert.Equal(expected, outcome.Result);
        Assert.Equal(CallDirection.Outgoing, outcome.Direction);
        Assert.Equal(browser.UserId, outcome.RemoteUserId);
        Assert.Null(outcome.SetupTime);
        await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == incoming.SessionId);
    }
}
