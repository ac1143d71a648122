using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Call setup time between a CallBot bot and the REAL SDK in Chromium through Prosody, 20 calls each way: call → accept →
/// first remote frame. Page times are the page's epoch clock, bot times the same machine's <see cref="DateTimeOffset.UtcNow"/>.
/// The browser's accept includes the harness round trip (C# sees onCallListener, then calls session.accept()) — a human is
/// slower still. Writes the figures to the test output and bin/…/interop-bot-setup-times.txt; asserts only that every call
/// got there, never a timing. Slow: run with <c>--filter Category=Slow</c>.
/// </summary>
[Collection(SdkInteropCollection.Name)]
[Trait("Category", "Slow")]
public sealed class BotCallSetupTimingTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private const int Calls = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Twenty_calls_each_way_between_bot_and_browser_report_setup_times()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { CallsPerBot = 1 }, ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var botAccepted = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var botFirstFrame = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        bot.Agent.Client.Accepted += (_, e) => botAccepted.TryAdd(e.Session.Id, DateTimeOffset.UtcNow);
        bot.Agent.MediaFlowing += (_, e) => botFirstFrame.TryAdd(e.SessionId, DateTimeOffset.UtcNow);

        var inAccept = new List<double>();
        var inBrowserFrame = new List<double>();
        var inBotFrame = new List<double>();
        for (var i = 0; i < Calls; i++)
        {
            var sessionId = await browser.CallAsync([bot.UserId]);
            var dial = await browser.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == sessionId);
            var accept = await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
            var frame = await browser.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == sessionId, Timeout);
            await Poll.UntilAsync(() => botFirstFrame.ContainsKey(sessionId), x => x, Timeout, _ => "no frame at the bot", cancellationToken: TestContext.Current.CancellationToken);
            inAccept.Add(accept.TimeMs - dial.TimeMs);
            inBrowserFrame.Add(frame.TimeMs - dial.TimeMs);
            inBotFrame.Add(botFirstFrame[sessionId].ToUnixTimeMilliseconds() - dial.TimeMs);
            await browser.HangUpAsync();
            Assert.Equal(CallDisposition.Completed, (await bot.EndedAsync(sessionId, Timeout)).Result);
        }

        var outAccept = new List<double>();
        var outBrowserFrame = new List<double>();
        var outBotFrame = new List<double>();
        for (var i = 0; i < Calls; i++)
        {
            var started = DateTimeOffset.UtcNow;
            var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: ct);
            var incoming = await browser.WaitForIncomingCallAsync(Timeout);
            var sessionId = incoming.SessionId!;
            await browser.AcceptAsync();
            var frame = await browser.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == sessionId, Timeout);
            await Poll.UntilAsync(() => botFirstFrame.ContainsKey(sessionId), x => x, Timeout, _ => "no frame at the bot", cancellationToken: TestContext.Current.CancellationToken);
            outAccept.Add((botAccepted[sessionId] - started).TotalMilliseconds);
            outBrowserFrame.Add(frame.TimeMs - started.ToUnixTimeMilliseconds());
            outBotFrame.Add((botFirstFrame[sessionId] - started).TotalMilliseconds);
            await browser.HangUpAsync();
            Assert.Equal(CallDisposition.Completed, (await call.WaitAsync(Timeout, ct)).Result);
        }

        var report = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"ConnectyCube SDK {SdkAssets.SdkVersion} in Chromium ↔ CallBot bot through Prosody (wss://), {Calls} calls each way, {Environment.ProcessorCount} cores (ms)")
            .AppendLine("browser calls bot (from session.call() in the page):")
            .AppendLine(Row("  call → accept (page)", inAccept))
            .AppendLine(Row("  call → first frame at page", inBrowserFrame))
            .AppendLine(Row("  call → first frame at bot", inBotFrame))
            .AppendLine("bot calls browser (from PlaceCallAsync):")
            .AppendLine(Row("  call → accept (bot)", outAccept))
            .AppendLine(Row("  call → first frame at page", outBrowserFrame))
            .AppendLine(Row("  call → first frame at bot", outBotFrame))
            .ToString();
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "interop-bot-setup-times.txt"), report, ct);
        Assert.Equal(Calls, inBotFrame.Count);
        Assert.Equal(Calls, outBotFrame.Count);
    }

    private static string Row(string name, List<double> samples)
    {
        var sorted = samples.Order().ToList();
        double Percentile(double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"{name,-32} n={sorted.Count,2}  min {sorted[0],6:0}  p50 {Percentile(0.5),6:0}  p95 {Percentile(0.95),6:0}  max {sorted[^1],6:0}");
    }
}
