using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallBot.Benchmarks.Setup;
using CallBot.TestSupport.Network;

namespace CallBot.Benchmarks.Loss;

/// <summary>
/// <c>bandwidth-step [--high-kbps 2500] [--low-kbps 500] [--drop-at-s 20] [--rise-at-s 40] [--duration-s 60] [--rtt-ms 50]
/// [--queue-ms 1000] [--paths chromium-chromium,bot-chromium,chromium-bot] [--stages …] [--quick] [--json FILE] [--out FILE]</c>:
/// how a video sender follows a bottleneck whose capacity steps down and up (issue 15, must-show b). Each call goes through
/// its own <see cref="UdpImpairmentRelay"/> (set up by <see cref="ChromiumBotLab"/>, like <c>loss-table</c>); the media
/// direction under test (relay A→B) is a bottleneck link of H kbit/s from the call's start, L kbit/s from D s after the
/// receiver's first decoded frame, H again from R s, with a FIFO of at most <c>--queue-ms</c> (drop-tail beyond) and
/// RTT/2 one-way delay; the return direction has the delay only. Everything measured comes from the relay's per-second
/// counters (<see cref="RelayRecording"/>): the sender's rate each second (what arrived at the bottleneck: video, audio,
/// RTX, probes, RTCP), the seconds from the drop until a whole second is under the cap, the seconds from the rise until a
/// whole second reaches 85 % of H — or of the rate before the drop when the sender never reached H (the table says
/// which) — and the queueing delay (waiting for the link) p50/p95. Senders: the bot's 1280x720 VP8 four-rung ladder
/// (H, H/2, H/4, H/10 kbit/s nominal, picked by its measured wire rate against its transport-cc estimate; its estimate,
/// probes and decreases per second in the JSON, <see cref="BweTimeline"/>), Chromium's 1280x720@30 fake camera (libwebrtc allows
/// VP8 at that size up to 2.5 Mbit/s). Prints one markdown table and writes the per-second series as JSON. A benchmark:
/// it asserts nothing. <c>--quick</c>: the same steps at 10 / 20 / 30 s, a smoke check.
/// </summary>
internal static class BandwidthStepBenchmark
{
    public const string Command = "bandwidth-step";

    /// <summary>Share of the high rate (or of the pre-drop rate) that counts as recovered.</summary>
    private const double RecoveredShare = 0.85;

    /// <summary>Seconds before the drop whose mean is the "rate before the drop".</summary>
    private const int PreDropWindow = 5;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var step = new StepSchedule();
        var rttMs = 50.0;
        var paths = "chromium-chromium,bot-chromium,chromium-bot";
        string? stages = null;
        var json = "bandwidth-step.json";
        string? output = null;
        var parser = new BenchArgs(Command, "How a video sender follows a bottleneck that steps from H down to L kbit/s and back (issue 15).")
            .Int("--high-kbps", "H", "the link's rate before the drop and after the rise (2500)", v => step = step with { HighKbps = v }, min: 1)
            .Int("--low-kbps", "L", "the link's rate between drop and rise (500)", v => step = step with { LowKbps = v }, min: 1)
            .Int("--drop-at-s", "D", "seconds after the first decoded frame the rate drops (20)", v => step = step with { DropAt = v }, min: 0)
            .Int("--rise-at-s", "R", "seconds after the first decoded frame the rate rises again (40)", v => step = step with { RiseAt = v }, min: 0)
            .Int("--duration-s", "S", "seconds measured per path (60)", v => step = step with { Duration = v }, min: 1)
            .Double("--rtt-ms", "MS", "round-trip time: half of it is added each way (50)", v => rttMs = v, min: 0)
            .Int("--queue-ms", "MS", "the bottleneck's FIFO in milliseconds at the current rate, drop-tail beyond (1000)", v => step = step with { QueueMs = v }, min: 1)
            .Text("--paths", "LIST", "chromium-chromium,bot-chromium,chromium-bot (all three)", v => paths = v)
            .Text("--stages", "LIST", "the bot's media stages, CallBot:Media:Stages (its default)", v => stages = v)
            .Switch("--quick", "the same steps at 10 / 20 / 30 s: a smoke check", () => step = step with { DropAt = 10, RiseAt = 20, Duration = 30 })
            .Text("--json", "FILE", "the per-second series (bandwidth-step.json)", v => json = v)
            .Text("--out", "FILE", "the markdown table, also printed (none)", v => output = v);
        if (parser.Parse(args, Console.Out, Console.Error) is { } exit)
        {
            return exit;
        }

        if (step.PreDropFrom < 0 || step.DropAt >= step.RiseAt || step.RiseAt >= step.Duration || step.LowKbps <= 0 || step.LowKbps >= step.HighKbps)
        {
            return parser.Reject(Console.Error, $"need {PreDropWindow} ≤ drop < rise < duration and 0 < low < high");
        }

        var oneWay = TimeSpan.FromMilliseconds(rttMs / 2);
        var results = new List<PathResult>();
        var bot = new Dictionary<string, string?>
        {
            // The bot's ladder must be able to use the high rate and get under the low one: 1280x720 at H, 960x540 at H/2,
            // 640x360 at H/4, 320x180 at H/10 (VideoLadder.FourStep). Key-frame-only twins stay on (the default): they
            // answer a PLI in place and let the sender step down its ladder at once instead of at the next key frame.
            ["CallBot:Media:Width"] = "1280",
            ["CallBot:Media:Height"] = "720",
            ["CallBot:Media:VideoBitrateKbps"] = step.HighKbps.ToString(CultureInfo.InvariantCulture),
            ["CallBot:Media:Renditions"] = "4",
        };
        var camera = new Dictionary<string, int> { ["width"] = 1280, ["height"] = 720, ["frameRate"] = 30 };
        using var timeline = new BweTimeline();
        await using (var lab = await ChromiumBotLab.StartAsync(new LabSettings { Stages = stages, Bot = bot, VideoConstraints = camera }))
        {
            var seed = 7000;
            foreach (var name in paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var path = ChromiumBotLab.ParsePath(name);
                await using var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Seed = seed++ }, TimeProvider.System);
                relay.AToB.Delay = oneWay;
                relay.BToA.Delay = oneWay;
                relay.AToB.MaxQueueDelay = TimeSpan.FromMilliseconds(step.QueueMs);
                relay.AToB.BandwidthBitsPerSecond = step.HighKbps * 1000L;
                PathResult result;
                try
                {
                    var call = await lab.CallAsync(path, relay, TimeSpan.FromSeconds(step.Duration));
                    RelayRecording recording;
                    try
                    {
                        timeline.Start(step.Duration);
                        recording = await RunStepsAsync(relay.AToB, step);
                    }
                    finally
                    {
                        await call.EndAsync();
                    }

                    result = Summarize(ChromiumBotLab.Describe(path), recording, step) with { BotSendSide = timeline.Stop() };
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or Microsoft.Playwright.PlaywrightException)
                {
                    result = new PathResult { Path = ChromiumBotLab.Describe(path), Error = ex.Message.Split('\n')[0] };
                }

                results.Add(result);
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Path}: before {result.PreDropKbps:0} kbit/s, under the cap after {result.UnderCapAfterSeconds?.ToString(CultureInfo.InvariantCulture) ?? "never"} s, recovered after {result.RecoveredAfterSeconds?.ToString(CultureInfo.InvariantCulture) ?? "never"} s {result.Error}"));
            }
        }

        var report = Report(results, step, rttMs, stages);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { schedule = step, rttMs, stages, loadAverage = BenchHost.LoadAverage(), paths = results }, Json));
        return 0;
    }

    /// <summary>Records the bottleneck direction from now for the whole schedule, stepping its rate at the drop and the rise.</summary>
    private static async Task<RelayRecording> RunStepsAsync(RelayDirection bottleneck, StepSchedule step)
    {
        bottleneck.StartRecording(TimeSpan.FromSeconds(step.Duration));
        var clock = Stopwatch.StartNew();
        try
        {
            await ElapseUntilAsync(clock, step.DropAt);
            bottleneck.BandwidthBitsPerSecond = step.LowKbps * 1000L;
            await ElapseUntilAsync(clock, step.RiseAt);
            bottleneck.BandwidthBitsPerSecond = step.HighKbps * 1000L;
            await ElapseUntilAsync(clock, step.Duration);
        }
        finally
        {
            bottleneck.BandwidthBitsPerSecond = 0;
        }

        return bottleneck.StopRecording()!;
    }

    // The benchmark's timeline itself (a real-time schedule), not a wait for something to happen.
    private static Task ElapseUntilAsync(Stopwatch clock, int second)
    {
        var left = TimeSpan.FromSeconds(second) - clock.Elapsed;
        return left > TimeSpan.Zero ? Task.Delay(left) : Task.CompletedTask;
    }

    private static PathResult Summarize(string path, RelayRecording recording, StepSchedule step)
    {
        var seconds = Enumerable.Range(0, step.Duration).ToArray();
        double[] send = [.. seconds.Select(s => recording.ReceivedBitsPerSecond(s) / 1000.0)];
        double[] forwarded = [.. seconds.Select(s => recording.ForwardedBitsPerSecond(s) / 1000.0)];
        long[] drops = [.. seconds.Select(recording.DroppedQueueFull)];
        double?[] p95 = [.. seconds.Select(s => Ms(recording.QueueDelayQuantile(s, s + 1, 0.95)))];

        var preDrop = send[step.PreDropFrom..step.DropAt].Average();
        var reachedHigh = preDrop >= RecoveredShare * step.HighKbps;
        var target = RecoveredShare * (reachedHigh ? step.HighKbps : preDrop);

        // "Under the cap": the end of the first whole second after the drop whose rate is at or below it.
        int? under = null;
        for (var s = step.DropAt; s < step.RiseAt && under is null; s++)
        {
            under = send[s] <= step.LowKbps ? s : null;
        }

        int? recovered = null;
        for (var s = step.RiseAt; s < step.Duration && recovered is null; s++)
        {
            recovered = send[s] >= target ? s : null;
        }

        return new PathResult
        {
            Path = path,
            SendKbps = send,
            ForwardedKbps = forwarded,
            TailDrops = drops,
            QueueP95MsPerSecond = p95,
            PreDropKbps = preDrop,
            ReachedHigh = reachedHigh,
            RecoveryTargetKbps = target,
            UnderCapAfterSeconds = under + 1 - step.DropAt,
            SecondsOverCapAfterward = under is int u ? send[(u + 1)..step.RiseAt].Count(r => r > step.LowKbps) : 0,
            CapMeanKbps = send[step.DropAt..step.RiseAt].Average(),
            RecoveredAfterSeconds = recovered + 1 - step.RiseAt,
            QueueP50Ms = Ms(recording.QueueDelayQuantile(0, step.Duration, 0.5)),
            QueueP95Ms = Ms(recording.QueueDelayQuantile(0, step.Duration, 0.95)),
            CapQueueP95Ms = Ms(recording.QueueDelayQuantile(step.DropAt, step.RiseAt, 0.95)),
            TailDropsTotal = drops.Sum(),
        };
    }

    private static double? Ms(TimeSpan? span) => span?.TotalMilliseconds;

    private static string Report(List<PathResult> results, StepSchedule step, double rttMs, string? stages)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture,
                $"Bandwidth step through UdpImpairmentRelay (sender → receiver only): {step.HighKbps} kbit/s, {step.LowKbps} kbit/s at {step.DropAt} s, {step.HighKbps} kbit/s at {step.RiseAt} s, {step.Duration} s from the first decoded frame; FIFO ≤ {step.QueueMs} ms then drop-tail; {rttMs:0} ms RTT; 1280x720@30 VP8; bot stages {stages ?? "(default)"}; {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture,
                $"| Path | Rate {step.PreDropFrom}–{step.DropAt} s (kbit/s) | Under {step.LowKbps} kbit/s after (s) | Seconds over it later | Mean rate {step.DropAt}–{step.RiseAt} s (kbit/s) | ≥ 85 % after the rise (s) | 85 % of | Queueing delay p50 / p95 (ms) | p95 {step.DropAt}–{step.RiseAt} s (ms) | Tail drops |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            if (r.Error is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Path} | failed: {r.Error} | | | | | | | | |");
                continue;
            }

            var of = r.ReachedHigh ? $"{step.HighKbps} kbit/s" : $"the pre-drop rate ({r.PreDropKbps:0} kbit/s)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Path} | {r.PreDropKbps:0} | {Seconds(r.UnderCapAfterSeconds, step.RiseAt - step.DropAt)} | {r.SecondsOverCapAfterward} | {r.CapMeanKbps:0} | {Seconds(r.RecoveredAfterSeconds, step.Duration - step.RiseAt)} | {of} | {r.QueueP50Ms:0} / {r.QueueP95Ms:0} | {r.CapQueueP95Ms:0} | {r.TailDropsTotal} |");
        }

        text.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture,
                $"Goal (issue 15): under the cap within 5 s of the drop, ≥ 85 % within 10 s of the rise, queueing delay p95 < 200 ms; Chromium → bot within 20 % of Chromium → Chromium. Seconds are whole-second bins of the relay's counters (the end of the first qualifying second). Queueing delay is the wait for the link, upper edge of {RelayRecording.DelayBucket.TotalMilliseconds:0} ms buckets.");
        return text.ToString();
    }

    private static string Seconds(int? value, int window) =>
        value?.ToString(CultureInfo.InvariantCulture) ?? $"> {window} (never)";

    /// <summary>The bottleneck's timeline, in whole seconds from the receiver's first decoded frame.</summary>
    private sealed record StepSchedule
    {
        public int HighKbps { get; init; } = 2500;
        public int LowKbps { get; init; } = 500;
        public int DropAt { get; init; } = 20;
        public int RiseAt { get; init; } = 40;
        public int Duration { get; init; } = 60;
        public int QueueMs { get; init; } = 1000;

        public int PreDropFrom => DropAt - PreDropWindow;
    }

    /// <summary>One path's per-second series (chart-ready) and its summary.</summary>
    private sealed record PathResult
    {
        public string Path { get; init; } = string.Empty;
        public string? Error { get; init; }

        /// <summary>The sender's rate each second at the bottleneck's input, kbit/s.</summary>
        public double[] SendKbps { get; init; } = [];

        /// <summary>What left the bottleneck each second, kbit/s.</summary>
        public double[] ForwardedKbps { get; init; } = [];

        public long[] TailDrops { get; init; } = [];

        /// <summary>Queueing delay p95 of the datagrams that arrived each second (null: none forwarded).</summary>
        public double?[] QueueP95MsPerSecond { get; init; } = [];

        public double PreDropKbps { get; init; }
        public bool ReachedHigh { get; init; }
        public double RecoveryTargetKbps { get; init; }
        public int? UnderCapAfterSeconds { get; init; }
        public int SecondsOverCapAfterward { get; init; }
        public double CapMeanKbps { get; init; }
        public int? RecoveredAfterSeconds { get; init; }
        public double? QueueP50Ms { get; init; }
        public double? QueueP95Ms { get; init; }
        public double? CapQueueP95Ms { get; init; }
        public long TailDropsTotal { get; init; }

        /// <summary>The in-process bot's estimate, probes and decreases per second (<see cref="BweTimeline"/>).</summary>
        public BweSeries? BotSendSide { get; init; }
    }
}
