using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7 must-show (5): no answer, with short SDK intervals (answer 3 s, dialing 1 s) on both sides. A bot whose policy
/// is Ignore lets the SDK's <c>onUserNotAnswerListener</c> fire; a bot calling a page that never answers re-dials and
/// ends "not answered".
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotNoAnswerTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly ConnectyCubeSdkOptions ShortSdkIntervals = new() { AnswerTimeInterval = 3, DialingTimeInterval = 1 };
    private static readonly BotSpec ShortBotIntervals = new() { AnswerTimeInterval = 3, DialingTimeInterval = 1 };

    [Fact]
    public async Task Ignoring_bot_lets_the_SDK_fire_onUserNotAnswerListener_after_answerTimeInterval()
    {
        await using var sdk = fixture.NewHarness(ShortSdkIntervals);
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), ShortBotIntervals with { Policy = AnswerPolicy.Ignore }, TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await browser.CallAsync([bot.UserId]);
        Assert.Equal(sessionId, await bot.FirstIncomingCall.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        var notAnswered = await browser.WaitForEventAsync(SdkEventNames.NotAnswer, e => e.SessionId == sessionId, TimeSpan.FromSeconds(10));

        Assert.Equal(bot.UserId, notAnswered.UserId);
        var dialed = await browser.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == sessionId);
        Assert.InRange(notAnswered.TimeMs - dialed.TimeMs, 2500, 8000);
        await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId);
        var outcome = await bot.EndedAsync(sessionId, Timeout); // the bot's own answer timer closes its ringing session
        Assert.Equal(CallDisposition.Ignored, outcome.Result);
        var sentByBot = (await browser.GetStanzasAsync()).Where(s => !s.Outgoing && s.IsCallSignal && s.Xml.Contains(sessionId, StringComparison.Ordinal)).ToList();
        Assert.Empty(sentByBot); // ignoring means silence: no accept, no reject
    }

    [Fact]
    public async Task Bot_calling_a_browser_that_never_answers_re_dials_and_ends_not_answered()
    {
        await using var sdk = fixture.NewHarness(ShortSdkIntervals);
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), ShortBotIntervals, TestContext.Current.CancellationToken);
        var browser = await sdk.LoginAsync(fixture.NewUserId());

        var started = DateTimeOffset.UtcNow;
        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(1), cancellationToken: TestContext.Current.CancellationToken);
        var incoming = await browser.WaitForIncomingCallAsync();
        var outcome = await call.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(CallDisposition.NotAnswered, outcome.Result);
        Assert.Equal(incoming.SessionId, outcome.SessionId);
        Assert.InRange((DateTimeOffset.UtcNow - started).TotalSeconds, 2.5, 10);
        var calls = (await browser.GetStanzasAsync()).Where(s => !s.Outgoing && s.SignalType == "call" && s.Xml.Contains(incoming.SessionId!, StringComparison.Ordinal)).ToList();
        Assert.InRange(calls.Count, 2, 4); // at 0 s, 1 s, 2 s
        Assert.Single(browser.Events, e => e.Name == SdkEventNames.Call && e.SessionId == incoming.SessionId);
        await browser.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == incoming.SessionId, TimeSpan.FromSeconds(10));
    }
}
