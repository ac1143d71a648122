using System.CommandLine;
using System.Diagnostics;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot demo</c>: bot 1001 calls bot 1002 through the embedded loopback chat hub over real WebRTC on loopback,
/// synthetic VP8 640x360 30 fps + Opus both ways, both sides recorded into <c>--out</c>; then a summary (setup time,
/// frames, loss, recordings checked by ffprobe). Exit 0 only when the call completed with media both ways and every
/// recording is valid.
/// </summary>
internal static class DemoCommand
{
    public const int Caller = 1001;
    public const int Callee = 1002;

    public static Command Build()
    {
        var duration = new Option<int>("--duration") { Description = "Call length in seconds.", DefaultValueFactory = _ => 10 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Recordings directory.", DefaultValueFactory = _ => new DirectoryInfo("recordings") };
        var json = new Option<bool>("--json") { Description = "Print one JSON document for scripts." };
        var calls = new Option<int>("--calls") { Description = "Repeat the call this many times (setup-time percentiles).", DefaultValueFactory = _ => 1 };
        var demo = new Command("demo", "Two bots call each other through the embedded loopback hub over real WebRTC and record both sides.")
        {
            duration,
            output,
            json,
            calls,
        };
        demo.SetAction((parse, ct) => RunAsync(
            new CliOutput(parse.GetValue(json)),
            TimeSpan.FromSeconds(Math.Max(2, parse.GetValue(duration))),
            parse.GetValue(output)!,
            ct,
            Math.Clamp(parse.GetValue(calls), 1, 1000)));
        return demo;
    }

    public static async Task<int> RunAsync(CliOutput output, TimeSpan duration, DirectoryInfo directory, CancellationToken ct, int calls = 1)
    {
        var result = await RunCallAsync(output, duration, directory, ct, calls).ConfigureAwait(false);
        var checks = new List<RecordingCheck>();
        foreach (var file in result.Outcomes.SelectMany(o => o.RecordingFiles))
        {
            checks.Add(await RecordingCheck.ProbeAsync(file, expectVideo: true, minSeconds: duration.TotalSeconds * 0.5, ct).ConfigureAwait(false));
        }

        output.Calls(result.Outcomes, checks);
        if (calls > 1)
        {
            output.Status(SetupPercentiles.Describe(result.Outcomes));
        }

        var ok = result.Outcomes.Count == 2 * calls
            && result.Outcomes.TrueForAll(o => o.MediaFlowed)
            && checks.Count == 2 * calls
            && checks.TrueForAll(c => c.Valid);
        if (!ok)
        {
            output.Error(result.Outcomes.Count < 2 * calls ? "demo: a call did not complete on both sides"
                : checks.Count < 2 * calls ? $"demo: expected {2 * calls} recordings, found {checks.Count}"
                : "demo: media did not flow both ways or a recording is not valid");
        }

        return ok ? 0 : 1;
    }

    public sealed record DemoResult(List<CallSummary> Outcomes, TimeSpan Elapsed);

    /// <summary>The demo call itself; the outcomes of caller and callee (in that order when both ended).</summary>
    public static async Task<DemoResult> RunCallAsync(CliOutput output, TimeSpan duration, DirectoryInfo directory, CancellationToken ct, int calls = 1)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{ChatOptions.Section}:Endpoint"] = string.Empty,
            [$"{RecordingOptions.Section}:Enabled"] = "true",
            [$"{RecordingOptions.Section}:Directory"] = directory.FullName,
            [$"{MediaOptions.Section}:Source"] = "Synthetic",
            [$"{MediaOptions.Section}:VideoCodec"] = "VP8",
            [$"{MediaOptions.Section}:Width"] = "640",
            [$"{MediaOptions.Section}:Height"] = "360",
            [$"{MediaOptions.Section}:FrameRate"] = "30",
            [$"{MediaOptions.Section}:Renditions"] = "1",
            [$"{MediaOptions.Section}:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
        };
        var watch = Stopwatch.StartNew();
        var host = await CliHost.StartAsync(settings, configFile: null, LogLevel.Warning, ct).ConfigureAwait(false);
        await using (host.ConfigureAwait(false))
        {
            host.Runtime.LoopbackOnly = true;
            output.Status("encoding synthetic media (once) and logging in bots 1001 and 1002 on the embedded hub…");
            var callee = await host.Runtime.StartBotAsync(new BotOptions { UserId = Callee, Password = "demo", Role = BotRole.Answer }, ct).ConfigureAwait(false);
            await using (callee.ConfigureAwait(false))
            {
                var caller = await host.Runtime.StartBotAsync(new BotOptions { UserId = Caller, Password = "demo", Role = BotRole.Call }, ct).ConfigureAwait(false);
                await using (caller.ConfigureAwait(false))
                {
                    var outcomes = new List<CallSummary>();
                    for (var i = 0; i < calls; i++)
                    {
                        var calleeDone = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
                        void OnCalleeEnded(object? sender, CallSummary o) => calleeDone.TrySetResult(o);
                        callee.CallEnded += OnCalleeEnded;
                        output.Status($"{Caller} calls {Callee} (video) for {duration.TotalSeconds:0} s{(calls > 1 ? $" ({i + 1}/{calls})" : "")}…");
                        outcomes.Add(await caller.PlaceCallAsync([Callee], CallType.Video, duration, timeFromMedia: true, ct).ConfigureAwait(false));
                        try
                        {
                            outcomes.Add(await calleeDone.Task.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false));
                        }
                        catch (TimeoutException)
                        {
                            output.Error("demo: the callee's side did not close in time");
                        }
                        finally
                        {
                            callee.CallEnded -= OnCalleeEnded;
                        }
                    }

                    return new DemoResult(outcomes, watch.Elapsed);
                }
            }
        }
    }
}
