using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>
/// Bots logged into a real Prosody over ws://, real WebRTC on loopback (run inside the test script's network namespace
/// or any host: only loopback candidates are used).
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class ProsodyCallTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private const int AppId = 1;
    private const string Password = "bot-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string?> Settings(string recordings) => new()
    {
        ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
        ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
        ["CallBot:Chat:AppId"] = AppId.ToString(CultureInfo.InvariantCulture),
        ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
        ["CallBot:Media:Renditions"] = "1",
        ["CallBot:Media:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
        ["CallBot:Recording:Enabled"] = "true",
        ["CallBot:Recording:Directory"] = recordings,
    };

    [Fact]
    public async Task Bot_calls_bot_through_prosody_with_media_both_ways_and_valid_recordings()
    {
        await prosody.RegisterUserAsync(3001, AppId, Password);
        await prosody.RegisterUserAsync(3002, AppId, Password);
        var recordings = TempDirectory("callbot-prosody-call");
        try
        {
            await using var host = await CliHost.StartAsync(Settings(recordings), null, LogLevel.Warning, Ct);
            await using var callee = await host.Runtime.StartBotAsync(new BotOptions { UserId = 3002, Password = Password }, Ct);
            await using var caller = await host.Runtime.StartBotAsync(new BotOptions { UserId = 3001, Password = Password, Role = BotRole.Call }, Ct);
            var calleeEnded = BotHarnessOutcome(callee);

            var outcome = await caller.PlaceCallAsync([3002], CallType.Video, TimeSpan.FromSeconds(3), cancellationToken: Ct).WaitAsync(Timeout, Ct);
            var other = await calleeEnded.WaitAsync(Timeout, Ct);

            foreach (var o in new[] { outcome, other })
            {
                Assert.True(o.Result == CallDisposition.Completed, $"{o.BotUserId}: {o.Result} {o.Error}");
                Assert.True(o.MediaFlowed, $"{o.BotUserId}: video {o.Media.VideoFramesReceived} audio {o.Media.AudioFramesReceived} sent {o.FramesSent}");
                Assert.NotNull(o.SetupTime);
                var file = Assert.Single(o.RecordingFiles);
                var check = await RecordingCheck.ProbeAsync(file, expectVideo: true, minSeconds: 1, Ct);
                Assert.True(check.Valid, check.Error);
                var errors = await FfmpegDecode.ErrorsAsync(file, Ct);
                Assert.True(errors.Length == 0, errors);
            }

            Assert.True(other.EndedByRemote);
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("CALLBOT_KEEP_RECORDINGS") is null)
            {
                Directory.Delete(recordings, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Sigterm_during_a_call_sends_hangUp_and_leaves_finalized_recordings()
    {
        await prosody.RegisterUserAsync(3101, AppId, Password);
        await prosody.RegisterUserAsync(3102, AppId, Password);
        var recordings = TempDirectory("callbot-sigterm");
        var config = Path.Combine(recordings, "callbot.json");
        var healthPort = CallBot.TestSupport.FreePort.Tcp();
        var service = new Dictionary<string, object?>
        {
            ["CallBot"] = new Dictionary<string, object?>
            {
                ["Chat"] = new { Endpoint = prosody.WebSocketEndpoint.ToString(), Domain = ProsodyFixture.Domain, AppId },
                ["VideoChat"] = new { LoopbackCandidatesOnly = true },
                ["Bots"] = new[] { new { UserId = 3102, Password, Role = "Answer" } },
                ["Media"] = new { Renditions = 1, CacheDirectory = Path.Combine(Path.GetTempPath(), "callbot-clips") },
                ["Recording"] = new { Enabled = true, Directory = Path.Combine(recordings, "out") },
                ["Telemetry"] = new { HealthPrefix = $"http://127.0.0.1:{healthPort}/", ShutdownTimeout = "00:00:20" },
            },
        };
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(service), Ct);
        using var child = StartService(config);
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new List<string>();
        child.OutputDataReceived += (_, e) => Collect(e.Data);
        child.ErrorDataReceived += (_, e) => Collect(e.Data);
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            await online.Task.WaitAsync(Timeout, Ct);
            var ready = await CallBotCli.Build().Parse(["health", "--url", $"http://127.0.0.1:{healthPort}/readyz"]).InvokeAsync(cancellationToken: Ct);
            Assert.Equal(0, ready);
            await using var host = await CliHost.StartAsync(Settings(Path.Combine(recordings, "caller")), null, LogLevel.Warning, Ct);
            await using var caller = await host.Runtime.StartBotAsync(new BotOptions { UserId = 3101, Password = Password, Role = BotRole.Call }, Ct);
            var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            caller.MediaFlowing += (_, _) => flowing.TrySetResult();
            var call = caller.PlaceCallAsync([3102], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: Ct);
            await flowing.Task.WaitAsync(Timeout, Ct);
            await Task.Delay(TimeSpan.FromSeconds(3), Ct); // media to record, not synchronization

            Signal(child.Id, "TERM");
            var outcome = await call.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            await child.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(40), Ct);

            Assert.True(outcome.EndedByRemote, "the service did not send hangUp");
            Assert.Equal(CallDisposition.Completed, outcome.Result);
            Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{Tail(log)}");
            var files = Directory.GetFiles(Path.Combine(recordings, "out"), "*.webm", SearchOption.AllDirectories);
            var file = Assert.Single(files);
            var check = await RecordingCheck.ProbeAsync(file, expectVideo: true, minSeconds: 1.5, Ct);
            Assert.True(check.Valid, check.Error);
            var sidecar = Assert.Single(Directory.GetFiles(Path.Combine(recordings, "out"), "session-*.json", SearchOption.AllDirectories));
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(sidecar, Ct));
            Assert.Equal("Completed", doc.RootElement.GetProperty("participants")[0].GetProperty("status").ToString());
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            Directory.Delete(recordings, recursive: true);
        }

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.Add(line);
            }

            if (line.Contains("online (Answer)", StringComparison.Ordinal))
            {
                online.TrySetResult();
            }
        }
    }

    private static Process StartService(string config)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "callbot.dll"), "run", "--config", config })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        return Process.Start(start)!;
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static Task<CallSummary> BotHarnessOutcome(BotAgent agent)
    {
        var done = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.CallEnded += (_, o) => done.TrySetResult(o);
        return done.Task;
    }

    private static string TempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Tail(List<string> log)
    {
        lock (log)
        {
            return string.Join('\n', log.TakeLast(40));
        }
    }
}
