using System.Diagnostics;
using System.Globalization;
using CallBot.TestSupport;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 15 must-show (c): Chromium sending to a bot estimates its bandwidth from the bot's transport-cc feedback, and that
/// estimate — getStats' candidate-pair <c>availableOutgoingBitrate</c> — follows a cap applied by a
/// <see cref="UdpImpairmentRelay"/> on the Chromium → bot direction only: above the cap before it, down to at most
/// cap × 1.2 while it holds (a 1 s drop-tail queue, as a router would have), above it again once it is lifted. The
/// browser's stats are polled (<see cref="Poll"/>); each phase has its own bound. Real-time behaviour on a shared machine
/// is the subject, so it runs in the alone phase.
/// </summary>
[Collection(SdkInteropCollection.Name)]
[Trait("Category", "RunsAlone")]
public sealed class BrowserEstimateFollowsCapTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private const int CapKbps = 300;

    /// <summary>"Above the cap": the estimate is this multiple of it (Chromium's 640x480 VP8 may use up to 1.7 Mbit/s).</summary>
    private const double Above = 1.5;

    private const double CappedSlack = 1.2;
    private static readonly TimeSpan Setup = TimeSpan.FromSeconds(30);

    /// <summary>Each phase's bound: GCC needs a few seconds of queueing delay (or losses) to act, and to probe back up.</summary>
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Chromium_estimate_toward_a_bot_falls_under_a_300_kbps_cap_at_the_relay_and_rises_once_it_is_lifted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Seed = 15 }, TimeProvider.System);
        relay.AToB.Delay = TimeSpan.FromMilliseconds(25);
        relay.BToA.Delay = TimeSpan.FromMilliseconds(25);
        relay.AToB.MaxQueueDelay = TimeSpan.FromSeconds(1);

        var camera = new Dictionary<string, int> { ["width"] = 640, ["height"] = 480, ["frameRate"] = 30 };
        await using var sdk = fixture.NewHarness(new ConnectyCubeSdkOptions { VideoConstraints = camera, SdkDebugLog = false });
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        await browser.RouteCandidatesAsync(relay.EndpointA.Port, relay.EndpointB.Port); // the browser is side A: A→B is what it sends
        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Video);
        await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 10, minAudioFrames: 1, Setup);

        var clock = Stopwatch.StartNew();
        var before = await EstimateAsync(browser, bot.UserId, sessionId, kbps => kbps > CapKbps * Above, "above the cap before it", ct);
        var beforeAt = clock.Elapsed;

        relay.AToB.BandwidthBitsPerSecond = CapKbps * 1000L;
        var capped = Stopwatch.StartNew();
        var during = await EstimateAsync(browser, bot.UserId, sessionId, kbps => kbps <= CapKbps * CappedSlack, $"at most {CapKbps * CappedSlack:0} kbit/s under the cap", ct);
        var fell = capped.Elapsed;
        var queued = relay.AToB.Counters;

        relay.AToB.BandwidthBitsPerSecond = 0;
        var lifted = Stopwatch.StartNew();
        var after = await EstimateAsync(browser, bot.UserId, sessionId, kbps => kbps > CapKbps * Above, "above the cap after it", ct);
        var rose = lifted.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Chromium → bot availableOutgoingBitrate: {before:0} kbit/s {beforeAt.TotalSeconds:0.0} s into the call; {during:0} kbit/s {fell.TotalSeconds:0.0} s after a {CapKbps} kbit/s cap; {after:0} kbit/s {rose.TotalSeconds:0.0} s after it was lifted. Relay A→B: {queued}"));
        Assert.True(queued.Delayed > 0, "the cap queued nothing: the browser's media did not cross the relay");
        await browser.HangUpAsync(sessionId);
        await bot.EndedAsync(sessionId, Setup);
    }

    /// <summary>Polls the browser's estimate toward the bot until <paramref name="done"/> holds for it (kbit/s).</summary>
    private static async Task<double> EstimateAsync(ConnectyCubeBrowserClient browser, int botId, string sessionId, Func<double, bool> done, string what, CancellationToken ct)
    {
        var stats = await Poll.UntilAsync(
            async _ => await browser.GetStatsAsync(botId, sessionId),
            s => Kbps(s) is double kbps && done(kbps),
            Phase,
            s => $"{what}: availableOutgoingBitrate {Kbps(s)?.ToString("0", CultureInfo.InvariantCulture) ?? "none"} kbit/s",
            TimeSpan.FromMilliseconds(250),
            ct);
        return Kbps(stats)!.Value;
    }

    private static double? Kbps(SdkPeerStats stats) => stats.SelectedPair?.AvailableOutgoingBitrate / 1000;
}
