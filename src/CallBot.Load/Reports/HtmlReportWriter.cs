using System.Globalization;
using System.Net;
using System.Text;
using CallBot.Load.Metrics;

namespace CallBot.Load.Reports;

/// <summary>
/// report.html: one self-contained file (inline CSS, charts as base64 PNG <c>&lt;img&gt;</c>, no scripts, no external
/// links) with the verdict, thresholds, metric summaries, charts, the same split by bot group (when the scenario has
/// groups), errors, soak verdicts and environment.
/// </summary>
public static class HtmlReportWriter
{
    private const string Style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:960px}
        h1{margin:0 0 4px}h2{margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
        th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
        .pass{color:#17803d;font-weight:600}.fail{color:#c62828;font-weight:600}
        .badge{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff}.badge.pass{background:#17803d}.badge.fail{background:#c62828}
        figure{margin:12px 0}figcaption{color:#555}img{max-width:100%;border:1px solid #eee}
        """;

    public static string Render(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(64 * 1024);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(report.Name)).Append(" · CallBot load report</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>").Append(E(report.Name)).Append(" <span id=\"verdict\" class=\"badge ").Append(report.Passed ? "pass\">PASSED" : "fail\">FAILED").Append("</span></h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Started {report.StartedAt:u}, {report.DurationSeconds:0.#} s, shards {E(string.Join(", ", report.Shards))}, scenario {E(report.ScenarioHash)}, {report.PlannedCalls} planned calls ({report.UnplacedCalls} unplaced).</p>");

        html.Append("<h2>Thresholds</h2><table id=\"thresholds\"><tr><th>metric</th><th>condition</th><th>actual</th><th>result</th></tr>");
        foreach (var t in report.Thresholds)
        {
            html.Append("<tr><td>").Append(E(t.Metric)).Append("</td><td>").Append(E(t.Expression)).Append("</td><td>")
                .Append(t.Actual is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "no samples").Append("</td><td class=\"")
                .Append(t.Passed ? "pass\">pass" : "fail\">BREACHED").Append("</td></tr>");
        }

        html.Append("</table>");
        if (report.Thresholds.Count == 0)
        {
            html.Append("<p>No thresholds.</p>");
        }

        html.Append("<h2>Metrics</h2>");
        MetricsTable(html, "metrics", report.Metrics);
        html.Append("<h2>Charts</h2>");
        foreach (var chart in LoadCharts.Render(report))
        {
            Figure(html, chart);
        }

        var groups = LoadCharts.GroupsOf(report);
        if (groups.Count > 0)
        {
            // Call metrics count in the caller's bot group, stream metrics in the receiver's; "none" holds bots outside groups.
            html.Append("<h2>By group</h2><section id=\"groups\"><p>Call metrics count in the caller's bot group, stream metrics (what a participant received) in the receiver's")
                .Append(groups.Contains(LoadMetrics.NoGroup) ? "; <code>none</code>: bots outside groups" : "").Append(".</p>");
            foreach (var chart in LoadCharts.RenderGroups(report))
            {
                Figure(html, chart);
            }

            for (var i = 0; i < groups.Count; i++)
            {
                html.Append("<h3>").Append(E(groups[i])).Append("</h3>");
                MetricsTable(html, "metrics-group-" + i.ToString(CultureInfo.InvariantCulture), report.Groups[groups[i]], groups[i]);
            }

            html.Append("</section>");
        }

        html.Append("<h2>Errors</h2>");
        if (report.Errors.Count == 0)
        {
            html.Append("<p id=\"errors\">No errors.</p>");
        }
        else
        {
            html.Append("<table id=\"errors\"><tr><th>reason</th><th>count</th></tr>");
            foreach (var (reason, count) in report.Errors.OrderByDescending(e => e.Value))
            {
                html.Append("<tr><td>").Append(E(reason)).Append(CultureInfo.InvariantCulture, $"</td><td>{count}</td></tr>");
            }

            html.Append("</table>");
        }

        if (report.Soak.Count > 0)
        {
            html.Append("<h2>Soak</h2><table id=\"soak\"><tr><th>shard</th><th>resource</th><th>slope / h</th><th>limit / h</th><th>samples</th><th>verdict</th></tr>");
            foreach (var soak in report.Soak)
            {
                foreach (var v in soak.Verdicts)
                {
                    html.Append("<tr><td>").Append(E(soak.Shard)).Append("</td><td>").Append(E(v.Resource)).Append(CultureInfo.InvariantCulture, $"</td><td>{v.SlopePerHour:0.###} {E(v.Unit)}</td><td>{v.LimitPerHour:0.##}</td><td>{soak.Samples.Count}</td><td class=\"")
                        .Append(v.Passed ? "pass\">" : "fail\">").Append(E(v.Note)).Append("</td></tr>");
                }
            }

            html.Append("</table>");
        }

        html.Append("<h2>Environment</h2><table id=\"environment\"><tr><th>shard</th><th>machine</th><th>cores</th><th>OS</th><th>.NET</th><th>CallBot</th></tr>");
        foreach (var env in report.Environments)
        {
            html.Append("<tr><td>").Append(E(env.Shard)).Append("</td><td>").Append(E(env.Machine)).Append(CultureInfo.InvariantCulture, $"</td><td>{env.Cores}</td><td>").Append(E(env.Os)).Append("</td><td>").Append(E(env.Runtime)).Append("</td><td>").Append(E(env.CallBotVersion)).Append("</td></tr>");
        }

        html.Append("</table></body></html>");
        return html.ToString();
    }

    public static async Task WriteAsync(LoadReport report, string path, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, Render(report), cancellationToken);
    }

    private static void Figure(StringBuilder html, ReportChart chart)
    {
        html.Append("<figure><img class=\"chart\" id=\"chart-").Append(chart.Id).Append("\" alt=\"").Append(E(chart.Title))
            .Append(CultureInfo.InvariantCulture, $"\" width=\"{LoadCharts.Width}\" height=\"{LoadCharts.Height}\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(chart.Png)).Append("\"><figcaption>").Append(E(chart.Title)).Append("</figcaption></figure>");
    }

    private static void MetricsTable(StringBuilder html, string id, Dictionary<string, MetricData> metrics, string? group = null)
    {
        html.Append("<table id=\"").Append(id).Append('"');
        if (group is not null)
        {
            html.Append(" data-group=\"").Append(E(group)).Append('"');
        }

        html.Append("><tr><th>metric</th><th>count</th><th>avg</th><th>min</th><th>med</th><th>p95</th><th>p99</th><th>max</th><th>rate</th></tr>");
        foreach (var (name, data) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var s = data.Summary ?? new MetricSummary();
            html.Append("<tr><td>").Append(E(name)).Append("</td>");
            if (data.Kind == MetricKind.Trend && data.Histogram is not { Count: > 0 })
            {
                // Not measured (e.g. video metrics of an audio-only profile): "n/a", never a row of zeros that reads as a freeze.
                html.Append("<td>0</td><td class=\"na\" colspan=\"7\">n/a (no samples)</td></tr>");
                continue;
            }

            foreach (var v in new[] { s.Count, s.Avg, s.Min, s.Med, s.P95, s.P99, s.Max, s.Rate })
            {
                html.Append("<td>").Append(v is { } x ? x.ToString("0.####", CultureInfo.InvariantCulture) : "").Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
