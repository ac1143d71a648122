using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallBot.TestSupport;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>
/// <c>callbot run --config FILE</c> as a real child process with two bot identities through Prosody and real WebRTC on
/// loopback: the calling bot places its <c>Outbound:Count</c> calls of <c>Outbound:Duration</c>, the answering bot answers
/// and both record; the Meter (Prometheus scrape) and the log count the calls; SIGTERM then stops the service cleanly and
/// every recording is finalized and valid.
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed partial class RunCallingBotsTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private const string Password = "run-secret";
    private const int Calls = 2;

    // The ids ProsodyCallTests uses (each test class has its own Prosody): their synthetic clips are already in the disk cache.
    private const int CallerId = 3001;
    private const int AnswererId = 3002;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly string ClipCache = Path.Combine(Path.GetTempPath(), "callbot-clips");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="answererMedia">
    /// Synthetic: both bots send their card. Echo: the answerer sends the caller's own frames back (per-bot media), so the
    /// caller records its own card; any keyframe it needs can only come from itself (a PLI the echo bot forwards).
    /// </param>
    [Theory]
    [InlineData("Synthetic")]
    [InlineData("Echo")]
    public async Task Run_with_a_calling_and_an_answering_bot_places_the_calls_counts_them_and_records_them(string answererMedia)
    {
        await prosody.RegisterUserAsync(CallerId, 1, Password);
        await prosody.RegisterUserAsync(AnswererId, 1, Password);
        var dir = Path.Combine(Path.GetTempPath(), "callbot-run-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var metricsPort = FreePort.Tcp();
        var config = Path.Combine(dir, "callbot.json");
        var service = new Dictionary<string, object?>
        {
            ["CallBot"] = new Dictionary<string, object?>
            {
                ["Chat"] = new { Endpoint = prosody.WebSocketEndpoint.ToString(), Domain = ProsodyFixture.Domain, AppId = 1 },
                ["VideoChat"] = new { LoopbackCandidatesOnly = true },
                ["Bots"] = new object[]
                {
                    new { UserId = AnswererId, Password, Role = "Answer", Media = new { Source = answererMedia, Renditions = 1, CacheDirectory = ClipCache } },
                    new { UserId = CallerId, Password, Role = "Call" },
                },
                ["Outbound"] = new { Targets = new[] { AnswererId }, Type = "Video", Count = Calls, Duration = "00:00:05", Interval = "00:00:00.500" },
                ["Media"] = new { Renditions = 1, CacheDirectory = ClipCache },
                ["Recording"] = new { Enabled = true, Directory = Path.Combine(dir, "out") },
                ["Telemetry"] = new { HealthPrefix = string.Empty, PrometheusPrefix = $"http://127.0.0.1:{metricsPort}/", ShutdownTimeout = "00:00:20" },
            },
        };
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(service), Ct);
        using var child = StartRun(config);
        var log = new List<string>();
        var callsEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, e) => Collect(e.Data);
        child.ErrorDataReceived += (_, e) => Collect(e.Data);
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        try
        {
            // Each call ends on both bots: the caller's log line and the answerer's.
            await callsEnded.Task.WaitAsync(Timeout, Ct);
            var metrics = await ScrapeAsync(metricsPort);
            Assert.True(Sum(metrics, "callbot_calls_started", "outgoing") == Calls, metrics);
            Assert.True(Sum(metrics, "callbot_calls_started", "incoming") == Calls, metrics);
            Assert.True(Sum(metrics, "callbot_calls_answered", "outgoing") == Calls, metrics);

            Signal(child.Id, "TERM");
            await child.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(40), Ct);
            Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{Tail(log)}");
            var ended = Lines(log, EndedLine());
            Assert.Equal(2 * Calls, ended.Count(l => l.Contains(": Completed after", StringComparison.Ordinal)));
            Assert.Equal(Calls, ended.Count(l => l.Contains($"Bot {CallerId}:", StringComparison.Ordinal)));

            // Each bot records the other in every call: 2 × Calls finalized files. The call lasts 5 s from the answer; on a
            // loaded 2-core machine media may take a couple of seconds to start, so at least 1 s is recorded.
            var files = Directory.GetFiles(Path.Combine(dir, "out"), "*.webm", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith("composite-", StringComparison.Ordinal)).ToArray();
            Assert.True(files.Length == 2 * Calls, string.Join('\n', files));
            foreach (var file in files)
            {
                var check = await RecordingCheck.ProbeAsync(file, expectVideo: true, minSeconds: 1, Ct);
                Assert.True(check.Valid, $"{file}: {check.Error}");
            }
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            if (Environment.GetEnvironmentVariable("CALLBOT_KEEP_RECORDINGS") is null)
            {
                Directory.Delete(dir, recursive: true);
            }
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
                if (Lines(log, EndedLine()).Count >= 2 * Calls)
                {
                    callsEnded.TrySetResult();
                }
            }
        }
    }

    [Fact]
    public async Task Run_with_only_a_calling_bot_exits_0_once_its_calls_are_done()
    {
        await prosody.RegisterUserAsync(CallerId, 1, Password);
        await prosody.RegisterUserAsync(AnswererId, 1, Password);
        var dir = Path.Combine(Path.GetTempPath(), "callbot-run-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var chat = prosody.WebSocketEndpoint.ToString();
        try
        {
            // The answerer is in this process; the service has only the calling bot.
            await using var host = await CliHost.StartAsync(new Dictionary<string, string?>
            {
                ["CallBot:Chat:Endpoint"] = chat,
                ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
                ["CallBot:Chat:AppId"] = "1",
                ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
                ["CallBot:Media:Renditions"] = "1",
                ["CallBot:Media:CacheDirectory"] = ClipCache,
            }, null, LogLevel.Warning, Ct);
            await using var answerer = await host.Runtime.StartBotAsync(new BotOptions { UserId = AnswererId, Password = Password }, Ct);
            var answered = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            answerer.CallEnded += (_, outcome) => answered.TrySetResult(outcome);
            var config = Path.Combine(dir, "callbot.json");
            var service = new Dictionary<string, object?>
            {
                ["CallBot"] = new Dictionary<string, object?>
                {
                    ["Chat"] = new { Endpoint = chat, Domain = ProsodyFixture.Domain, AppId = 1 },
                    ["VideoChat"] = new { LoopbackCandidatesOnly = true },
                    ["Bots"] = new[] { new { UserId = CallerId, Password, Role = "Call" } },
                    ["Outbound"] = new { Targets = new[] { AnswererId }, Type = "Video", Count = 1, Duration = "00:00:02" },
                    ["Media"] = new { Renditions = 1, CacheDirectory = ClipCache },
                    ["Telemetry"] = new { HealthPrefix = string.Empty },
                },
            };
            await File.WriteAllTextAsync(config, JsonSerializer.Serialize(service), Ct);
            using var child = StartRun(config);
            var log = new List<string>();
            child.OutputDataReceived += (_, e) => Add(e.Data);
            child.ErrorDataReceived += (_, e) => Add(e.Data);
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            try
            {
                await child.WaitForExitAsync(Ct).WaitAsync(Timeout, Ct);
                var outcome = await answered.Task.WaitAsync(Timeout, Ct);

                Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}\n{Tail(log)}");
                Assert.Equal(CallDisposition.Completed, outcome.Result);
                Assert.True(outcome.MediaFlowed, $"video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived} sent {outcome.FramesSent}");
                Assert.True(outcome.EndedByRemote, "the calling bot did not hang up");
                var ended = Assert.Single(Lines(log, EndedLine()));
                Assert.Contains(": Completed after", ended, StringComparison.Ordinal);
                Assert.Contains(log, l => l.Contains("Every outbound call is done", StringComparison.Ordinal));
            }
            finally
            {
                if (!child.HasExited)
                {
                    child.Kill(entireProcessTree: true);
                }
            }

            void Add(string? line)
            {
                if (line is not null)
                {
                    lock (log)
                    {
                        log.Add(line);
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary><c>dotnet callbot.dll run --config FILE</c> with the plain console formatter (one line per log entry).</summary>
    private static Process StartRun(string config)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "callbot.dll"), "run", "--config", config })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        return Process.Start(start)!;
    }

    private static async Task<string> ScrapeAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), Ct);
    }

    /// <summary>Sums the samples of a Prometheus counter whose <c>direction</c> label is <paramref name="direction"/>.</summary>
    private static double Sum(string metrics, string name, string direction)
    {
        double sum = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Contains($"direction=\"{direction}\"", StringComparison.Ordinal))
            {
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                sum += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    private static List<string> Lines(List<string> log, Regex pattern)
    {
        lock (log)
        {
            return log.Where(l => pattern.IsMatch(l)).ToList();
        }
    }

    [GeneratedRegex(@"Bot \d+: call \S+ with \d+ ended: ")]
    private static partial Regex EndedLine();

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static string Tail(List<string> log)
    {
        lock (log)
        {
            return string.Join('\n', log.TakeLast(40));
        }
    }
}
