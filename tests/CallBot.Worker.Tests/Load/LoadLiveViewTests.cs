using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallBot.Load.Planning;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Scenario;
using CallBot.TestSupport;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Cli;
using CallBot.Worker.Tests.EndToEnd;
using Microsoft.Playwright;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// One small real run of <c>callbot load</c> (real bots through a private Prosody, two bot groups) serves the live view and
/// the report: its Prometheus endpoint, scraped while the run goes, has every metric the Grafana dashboard queries (with
/// the <c>group</c> label where a panel splits by it); its report.html, opened in headless Chromium, draws every per-group
/// chart. The screenshot is kept in the test artifacts.
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed partial class LoadLiveViewTests(ProsodyFixture prosody, ChromiumFixture chromium) : IClassFixture<ProsodyFixture>, IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static readonly string[] Groups = ["clean", "mobile"];

    /// <summary>Non-white pixels (every 2nd row and column, ×4) and distinct colours (4 bits a channel) of an image, read from a canvas.</summary>
    private const string InkScript = """
        id => {
          const img = document.getElementById(id);
          const canvas = document.createElement('canvas');
          canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
          const g = canvas.getContext('2d');
          g.drawImage(img, 0, 0);
          const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0; const colours = new Set();
          for (let y = 0; y < canvas.height; y += 2) {
            for (let x = 0; x < canvas.width; x += 2) {
              const i = (y * canvas.width + x) * 4;
              if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) { inked += 4; colours.add((d[i] >> 4) << 8 | (d[i + 1] >> 4) << 4 | d[i + 2] >> 4); }
            }
          }
          return { inked, colours: colours.size };
        }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_real_run_serves_every_dashboard_metric_live_and_its_report_charts_each_group()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoFiles.Root, GrafanaDashboard.RelativePath), Ct));
        var queries = GrafanaDashboard.Queries(dashboard);
        Assert.All(queries, q => Assert.NotEmpty(q.Selectors));

        using var folder = new TempFolder("callbot-live-");
        var scenario = await WriteScenarioAsync(folder, firstUser: 4601);
        // Both groups place calls (callers are spread through the pool), so both must show up live and in the report.
        var plan = LoadPlanner.Plan(ScenarioLoader.LoadFile(scenario), ShardSpec.Whole);
        Assert.All(Groups, g => Assert.Contains(plan.Calls, c => c.Caller.Group == g));

        var port = FreePort.Tcp();
        var output = Path.Combine(folder.Path, "out");
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        var run = LoadCliCommand.RunAsync(
            new LoadCliArguments(scenario, output, null, Json: true, DryRun: false, ConfigFile: null, LoopbackCandidates: true, Prometheus: $"http://127.0.0.1:{port}/"),
            stdout, stderr, Ct).WaitAsync(Timeout, Ct);

        // Scrape while the run goes until every queried series is there (calls must have finished in both groups first).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var scrapeUri = new Uri($"http://127.0.0.1:{port}/metrics");
        Dictionary<string, List<Dictionary<string, string>>>? live = null;
        List<string> missing = ["(no scrape yet)"];
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (!run.IsCompleted && missing.Count > 0 && await poll.WaitForNextTickAsync(Ct))
        {
            string text;
            try
            {
                text = await http.GetStringAsync(scrapeUri, Ct);
            }
            catch (HttpRequestException)
            {
                continue; // the listener starts with the host, after the scenario is read
            }

            if (run.IsCompleted)
            {
                break; // a scrape that raced the end of the run does not count as live
            }

            live = ParseExposition(text);
            missing = Missing(queries, live);
            if (missing.Count == 0 && !CallsOfEveryGroup(live))
            {
                missing = ["calls_total of every group (one group's first call has not finished yet)"];
            }
        }

        var exit = await run;
        var log = stdout + "\n--- progress ---\n" + stderr;
        Assert.True(live is not null, "never scraped the live endpoint while the run went: " + log);
        Assert.True(missing.Count == 0, "not in the live scrape:\n" + string.Join("\n", missing) + "\n" + log);
        // Series of both groups, and the shape tag, on a call-level metric.
        Assert.True(CallsOfEveryGroup(live), "calls_total lacks a group or the shape tag: " + log);
        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {log}");

        await AssertReportChartsEachGroupAsync(output);
    }

    /// <summary>The report of the same run in Chromium: a section per group, each per-group chart decoded and drawn.</summary>
    private static bool CallsOfEveryGroup(Dictionary<string, List<Dictionary<string, string>>> live) =>
        live.TryGetValue(LoadTelemetry.PrometheusName("calls") + "_total", out var calls)
        && Groups.All(g => calls.Any(s => s.GetValueOrDefault("group") == g && s.GetValueOrDefault("shape") == "pair"));

    private async Task AssertReportChartsEachGroupAsync(string output)
    {
        var report = await LoadReportJson.ReadAsync(Path.Combine(output, LoadCommand.ReportJson), Ct);
        Assert.Equal(Groups, report.Groups.Keys.Order(StringComparer.Ordinal));
        Assert.All(Groups, g => Assert.True(report.Groups[g]["calls"].Sum >= 1, g));
        Assert.Equal(report.Metrics["calls"].Sum, report.Groups.Values.Sum(m => m["calls"].Sum));

        var html = await File.ReadAllTextAsync(Path.Combine(output, LoadCommand.ReportHtml), Ct);
        chromium.Server.Add("/live-report.html", html);
        await using var page = await chromium.NewPageAsync("/live-report.html");
        await page.WaitForAsync("() => [...document.images].length > 0 && [...document.images].every(i => i.complete)");

        var expected = LoadCharts.RenderGroups(report).Select(c => "chart-" + c.Id).ToList();
        Assert.Contains("chart-group-call_setup_ms", expected);
        Assert.Contains("chart-group-audio_mos", expected);
        Assert.Contains("chart-group-counters", expected);
        var drawn = await page.EvaluateAsync<JsonElement>("() => [...document.querySelectorAll('#groups img.chart')].map(i => ({ id: i.id, w: i.naturalWidth, h: i.naturalHeight }))");
        Assert.Equal(expected, drawn.EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.All(drawn.EnumerateArray(), i => Assert.True(i.GetProperty("w").GetInt32() == LoadCharts.Width && i.GetProperty("h").GetInt32() == LoadCharts.Height, i.ToString()));
        // A table per group, labelled with it.
        var tables = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#groups table')].map(t => t.dataset.group)");
        Assert.Equal(Groups, tables);

        var screenshot = await page.Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        var artifacts = TestArtifacts.Directory();
        await File.WriteAllBytesAsync(Path.Combine(artifacts, "load-report-groups.png"), screenshot, Ct);

        foreach (var id in expected)
        {
            var element = await page.Page.QuerySelectorAsync("#" + id);
            Assert.NotNull(element);
            var box = await element.BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"{id}: laid out with no box");
            // The chart as Chromium decoded it, drawn on a canvas and read back: axes and labels alone ink about 3 % of
            // it; the bars of two groups and all calls and the legend add more, in several colours.
            var ink = await page.EvaluateAsync<JsonElement>(InkScript, id);
            var (inked, colours, area) = (ink.GetProperty("inked").GetInt32(), ink.GetProperty("colours").GetInt32(), LoadCharts.Width * LoadCharts.Height);
            Assert.True(inked > area / 50, $"{id}: only {inked} of {area} pixels inked");
            Assert.True(colours >= 3, $"{id}: {colours} colours");
        }
    }

    /// <summary>Each query's selectors that the scrape lacks: no series of that name, or none carrying a label it matches on.</summary>
    private static List<string> Missing(List<DashboardQuery> queries, Dictionary<string, List<Dictionary<string, string>>> scrape)
    {
        var missing = new List<string>();
        foreach (var query in queries)
        {
            foreach (var (metric, labels) in query.Selectors)
            {
                if (!scrape.TryGetValue(metric, out var series))
                {
                    missing.Add($"{query.Where}: {metric} (no series)");
                }
                else if (labels.FirstOrDefault(l => !series.Any(s => s.ContainsKey(l))) is { } label)
                {
                    missing.Add($"{query.Where}: {metric} has no series with label '{label}'");
                }
            }
        }

        return missing;
    }

    /// <summary>Prometheus text exposition: sample name → the label sets of its samples (comments skipped).</summary>
    private static Dictionary<string, List<Dictionary<string, string>>> ParseExposition(string text)
    {
        var samples = new Dictionary<string, List<Dictionary<string, string>>>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in Label().Matches(match.Groups["labels"].Value))
            {
                labels[label.Groups[1].Value] = Regex.Unescape(label.Groups[2].Value);
            }

            if (!samples.TryGetValue(match.Groups["name"].Value, out var list))
            {
                list = [];
                samples[match.Groups["name"].Value] = list;
            }

            list.Add(labels);
        }

        return samples;
    }

    private async Task<string> WriteScenarioAsync(TempFolder folder, int firstUser)
    {
        const int users = 4;
        var last = firstUser + users - 1;
        for (var id = firstUser; id <= last; id++)
        {
            await prosody.RegisterUserAsync(id, 1, string.Create(CultureInfo.InvariantCulture, $"load-{id}"));
        }

        // Two pairs at a time for 8 s of 3-s calls: calls of both groups finish (and so reach the scrape) well before the end.
        var path = Path.Combine(folder.Path, "scenario.yaml");
        await File.WriteAllTextAsync(path, $$"""
            name: live-view
            seed: 11
            chat: { endpoint: "{{prosody.WebSocketEndpoint}}", app_id: "1", domain: {{ProsodyFixture.Domain}} }
            users:
              range: { from: {{firstUser}}, to: {{last}}, login: "bot-{id}", password: "load-{id}" }
            calls:
              pattern: pairs
              caller_ratio: 0.5
              duration: { fixed: 3s }
              answer_delay: { fixed: 100ms }
            groups:
              - { name: mobile, share: 0.5, preset: 4g }
              - { name: clean, share: 0.5 }
            load:
              executor: concurrency
              stages:
                - { duration: 1s, target: 2 }
                - { duration: 8s, target: 2 }
            media:
              video: { codec: vp8, width: 320, height: 180, fps: 30, bitrate_kbps: 300 }
            thresholds:
              call_success_rate: ["rate > 0.99"]
            """, Ct);
        return path;
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_:][A-Za-z0-9_:]*)(?:\{(?<labels>.*)\})?\s+\S+")]
    private static partial Regex Sample();

    [GeneratedRegex("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
