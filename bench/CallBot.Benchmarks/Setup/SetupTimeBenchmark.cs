using System.Globalization;
using System.Text;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Benchmarks.Setup;

/// <summary>
/// <c>setup [--calls N] [--paths bot,browser] [--no-record] [--out FILE]</c>: call setup time over N sequential real calls
/// per path — bot → bot through a private Prosody (ws://), the REAL ConnectyCube SDK in headless Chromium calling a bot and
/// a bot calling it (wss://) — printed as p50/p95/min/max of call → accept, call → ICE connected, call → first remote frame.
/// Everything runs on loopback (run it in a network namespace with only <c>lo</c>: scripts/bench/setup-times.sh does).
/// A benchmark, not a test: it asserts nothing and reports failed calls in the table.
/// </summary>
internal static class SetupTimeBenchmark
{
    public const string Command = "setup";

    // The clip cache is keyed by the bot's label: the ids ProsodyCallTests uses, so a machine that ran the tests has the clips.
    private const int CallerBotId = 3001;
    private const int CalleeBotId = 3002;
    private const int BrowserUserId = 4001;

    /// <summary>How long an answered bot → bot call stays up after its first remote frame.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(300);

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = 50;
        var paths = "bot,browser";
        var record = true;
        string? output = null;
        var parser = new BenchArgs(Command, "Call setup time over N sequential real calls per path (bot → bot, SDK in Chromium ↔ bot), on loopback.")
            .Int("--calls", "N", "calls per path (50)", v => calls = v, min: 1)
            .Text("--paths", "LIST", "bot,browser (both)", v => paths = v)
            .Switch("--no-record", "the callee does not record (it does by default)", () => record = false)
            .Text("--out", "FILE", "the markdown table, also printed (none)", v => output = v);
        if (parser.Parse(args, Console.Out, Console.Error) is { } exit)
        {
            return exit;
        }

        var recordings = Path.Combine(Path.GetTempPath(), "callbot-bench-setup-" + Guid.NewGuid().ToString("N")[..8]);
        var series = new List<SetupSeries>();
        var failures = new List<string>();
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["CallBot:Recording:Enabled"] = record ? "true" : "false",
                ["CallBot:Recording:Directory"] = recordings,
            };
            await using var bench = await BenchHost.StartAsync([CallerBotId, CalleeBotId], settings);
            await using var callee = await bench.StartBotAsync(CalleeBotId);
            var calleeTimes = new BotCallTimes(callee);
            if (paths.Contains("bot", StringComparison.Ordinal))
            {
                await using var caller = await bench.StartBotAsync(CallerBotId, BotRole.Call);
                await BotToBotAsync(caller, new BotCallTimes(caller), callee, calleeTimes, calls, series, failures);
            }

            if (paths.Contains("browser", StringComparison.Ordinal))
            {
                var sdk = await bench.OpenSdkAsync(new ConnectyCubeSdkOptions { SdkDebugLog = false, Timeout = BenchHost.StepTimeout });
                var browser = await sdk.LoginAsync(BrowserUserId);
                await BrowserCallsBotAsync(browser, callee, calleeTimes, calls, series, failures);
                await BotCallsBrowserAsync(browser, callee, calleeTimes, calls, series, failures);
            }
        }
        finally
        {
            if (Directory.Exists(recordings))
            {
                Directory.Delete(recordings, recursive: true);
            }
        }

        var report = Report(series, failures, calls, record);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>The caller bot places each call (t0 = <see cref="BotAgent.PlaceCallAsync"/>), keeps it up briefly after media, hangs up.</summary>
    private static async Task BotToBotAsync(BotAgent caller, BotCallTimes callerTimes, BotAgent callee, BotCallTimes calleeTimes, int calls, List<SetupSeries> series, List<string> failures)
    {
        const string Path = "bot → bot, Prosody ws://";
        var accept = Add(series, Path, "call → accept (caller)");
        var ice = Add(series, Path, "call → ICE connected (caller)");
        var atCaller = Add(series, Path, "call → first remote frame at caller");
        var atCallee = Add(series, Path, "call → first remote frame at callee");
        for (var i = 0; i < calls; i++)
        {
            var t0 = BotCallTimes.Now();
            try
            {
                var outcome = await caller.PlaceCallAsync([callee.UserId], CallType.Video, Hold, timeFromMedia: true).WaitAsync(BenchHost.StepTimeout);
                var id = outcome.SessionId;
                await calleeTimes.EndedAsync(id, BenchHost.StepTimeout);
                if (outcome.Result != CallDisposition.Completed || callerTimes.FirstFrameAt(id) is null || calleeTimes.FirstFrameAt(id) is null)
                {
                    failures.Add($"{Path} #{i + 1}: {outcome.Result} {outcome.Error}");
                    continue;
                }

                accept.Add(callerTimes.AcceptedAt(id)!.Value - t0);
                ice.Add(callerTimes.IceConnectedAt(id)!.Value - t0);
                atCaller.Add(callerTimes.FirstFrameAt(id)!.Value - t0);
                atCallee.Add(calleeTimes.FirstFrameAt(id)!.Value - t0);
            }
            catch (TimeoutException ex)
            {
                failures.Add($"{Path} #{i + 1}: {ex.Message}");
            }

            Progress(Path, i + 1, calls);
        }
    }

    /// <summary>The page calls the bot (t0 = the page's <c>session.call()</c>), the bot accepts by policy, the page hangs up.</summary>
    private static async Task BrowserCallsBotAsync(ConnectyCubeBrowserClient browser, BotAgent bot, BotCallTimes botTimes, int calls, List<SetupSeries> series, List<string> failures)
    {
        var path = $"SDK {SdkAssets.SdkVersion} in Chromium → bot";
        var accept = Add(series, path, "call → accept (page)");
        var ice = Add(series, path, "call → ICE connected (bot)");
        var atPage = Add(series, path, "call → first remote frame at page");
        var atBot = Add(series, path, "call → first remote frame at bot");
        for (var i = 0; i < calls; i++)
        {
            string? id = null;
            try
            {
                id = await browser.CallAsync([bot.UserId]);
                var dial = await browser.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == id);
                var accepted = await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == id);
                var frame = await browser.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id);
                var botFrame = await botTimes.FirstFrameAsync(id, BenchHost.StepTimeout);
                accept.Add(accepted.TimeMs - dial.TimeMs);
                atPage.Add(frame.TimeMs - dial.TimeMs);
                atBot.Add(botFrame - dial.TimeMs);
                if (botTimes.IceConnectedAt(id) is { } connected)
                {
                    ice.Add(connected - dial.TimeMs);
                }
            }
            catch (TimeoutException ex)
            {
                failures.Add($"{path} #{i + 1}: {ex.Message}");
            }

            await EndAsync(browser, botTimes, id, path, i, failures);
            Progress(path, i + 1, calls);
        }
    }

    /// <summary>The bot calls the page (t0 = <see cref="BotAgent.PlaceCallAsync"/>), the page accepts, then hangs up.</summary>
    private static async Task BotCallsBrowserAsync(ConnectyCubeBrowserClient browser, BotAgent bot, BotCallTimes botTimes, int calls, List<SetupSeries> series, List<string> failures)
    {
        var path = $"bot → SDK {SdkAssets.SdkVersion} in Chromium";
        var accept = Add(series, path, "call → accept (bot)");
        var ice = Add(series, path, "call → ICE connected (bot)");
        var atPage = Add(series, path, "call → first remote frame at page");
        var atBot = Add(series, path, "call → first remote frame at bot");
        for (var i = 0; i < calls; i++)
        {
            string? id = null;
            var t0 = BotCallTimes.Now();
            var call = bot.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(2));
            try
            {
                var incoming = await browser.WaitForIncomingCallAsync();
                id = incoming.SessionId!;
                await browser.AcceptAsync(id);
                var frame = await browser.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id);
                var botFrame = await botTimes.FirstFrameAsync(id, BenchHost.StepTimeout);
                if (botTimes.AcceptedAt(id) is { } accepted && botTimes.IceConnectedAt(id) is { } connected)
                {
                    accept.Add(accepted - t0);
                    ice.Add(connected - t0);
                }

                atPage.Add(frame.TimeMs - t0);
                atBot.Add(botFrame - t0);
            }
            catch (TimeoutException ex)
            {
                failures.Add($"{path} #{i + 1}: {ex.Message}");
            }

            await EndAsync(browser, botTimes, id, path, i, failures);
            try
            {
                await call.WaitAsync(BenchHost.StepTimeout);
            }
            catch (TimeoutException)
            {
                failures.Add($"{path} #{i + 1}: the bot's call did not end");
            }

            Progress(path, i + 1, calls);
        }
    }

    /// <summary>The page hangs up and the bot's call ends, so the next call finds the bot's one slot free.</summary>
    private static async Task EndAsync(ConnectyCubeBrowserClient browser, BotCallTimes botTimes, string? sessionId, string path, int index, List<string> failures)
    {
        if (sessionId is null)
        {
            return;
        }

        try
        {
            await browser.HangUpAsync(sessionId);
            await botTimes.EndedAsync(sessionId, BenchHost.StepTimeout);
        }
        catch (TimeoutException)
        {
            failures.Add($"{path} #{index + 1}: the bot's call did not end after the page hung up");
        }
    }

    private static SetupSeries Add(List<SetupSeries> series, string path, string interval)
    {
        var s = new SetupSeries(path, interval);
        series.Add(s);
        return s;
    }

    private static void Progress(string path, int done, int calls)
    {
        if (done % 10 == 0 || done == calls)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {done}/{calls} calls"));
        }
    }

    private static string Report(List<SetupSeries> series, List<string> failures, int calls, bool record)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Call setup time, {calls} sequential calls per path, {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}, recording {(record ? "on" : "off")}")
            .AppendLine(SetupSeries.Header);
        foreach (var s in series)
        {
            text.AppendLine(s.Row());
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"failed calls: {failures.Count}");
        foreach (var failure in failures)
        {
            text.AppendLine("  " + failure.Split('\n')[0]);
        }

        return text.ToString();
    }
}
