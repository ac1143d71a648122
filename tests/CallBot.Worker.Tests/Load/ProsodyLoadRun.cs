using System.Globalization;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.TestSupport;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Cli;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// <c>callbot load</c> against the Prosody fixture for the load tests: writes a pairs/mesh scenario for freshly
/// registered users, runs it in-process, and reads back the verdict and the report.
/// </summary>
internal static class ProsodyLoadRun
{
    public const string VideoMedia = "media:\n  video: { codec: vp8, width: 320, height: 180, fps: 30, bitrate_kbps: 300 }";

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <returns>The exit code, the JSON verdict on stdout, everything printed (for failure messages), and the report.</returns>
    /// <param name="ownSockets"><c>--own-sockets</c>: a UDP socket per connection instead of the shared ports.</param>
    public static async Task<(int Exit, string Json, string Log, LoadReport Report)> RunAsync(string scenario, TempFolder folder, CancellationToken ct, bool ownSockets = false)
    {
        var output = Path.Combine(folder.Path, "out");
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var exit = await LoadCliCommand.RunAsync(new LoadCliArguments(scenario, output, null, Json: true, DryRun: false, ConfigFile: null, LoopbackCandidates: true, OwnSockets: ownSockets), stdout, stderr, ct)
            .WaitAsync(Timeout, ct);
        var reportPath = Path.Combine(output, LoadCommand.ReportJson);
        Assert.True(File.Exists(reportPath), $"exit {exit}, no report: {stdout}\n--- progress ---\n{stderr}");
        var report = await LoadReportJson.ReadAsync(reportPath, ct);
        Assert.True(File.Exists(Path.Combine(output, LoadCommand.ReportHtml)));
        return (exit, stdout.ToString(), stdout + "\n--- progress ---\n" + stderr, report);
    }

    /// <param name="calls">Extra top-level YAML after the <c>calls</c> block (more call settings indented, or <c>groups</c>).</param>
    public static async Task<string> WriteScenarioAsync(ProsodyFixture prosody, TempFolder folder, int firstUser, int users, int concurrency, int holdSeconds, int callSeconds,
        string thresholds, CancellationToken ct, string media = VideoMedia, string calls = "", string pattern = "pairs")
    {
        var last = firstUser + users - 1;
        for (var id = firstUser; id <= last; id++)
        {
            await prosody.RegisterUserAsync(id, 1, string.Create(CultureInfo.InvariantCulture, $"load-{id}"));
        }

        var path = Path.Combine(folder.Path, "scenario.yaml");
        var yaml = $$"""
            name: prosody-small
            seed: 7
            chat: { endpoint: "{{prosody.WebSocketEndpoint}}", app_id: "1", domain: {{ProsodyFixture.Domain}} }
            users:
              range: { from: {{firstUser}}, to: {{last}}, login: "bot-{id}", password: "load-{id}" }
            calls:
              pattern: {{pattern}}
              duration: { fixed: {{callSeconds}}s }
              answer_delay: { fixed: 100ms }
            {{calls}}
            load:
              executor: concurrency
              stages:
                - { duration: 1s, target: {{concurrency}} }
                - { duration: {{holdSeconds}}s, target: {{concurrency}} }
            {{media}}
            thresholds:
            {{thresholds}}
            """;
        await File.WriteAllTextAsync(path, yaml, ct);
        return path;
    }
}
