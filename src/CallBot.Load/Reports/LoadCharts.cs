using CallBot.Load.Metrics;
using ScottPlot;

namespace CallBot.Load.Reports;

/// <summary>One chart of the HTML report, rendered to PNG.</summary>
public sealed record ReportChart(string Id, string Title, byte[] Png);

/// <summary>Renders the report's charts with ScottPlot 5 (Skia, no display needed).</summary>
public static class LoadCharts
{
    public const int Width = 900;
    public const int Height = 320;

    public static List<ReportChart> Render(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var charts = new List<ReportChart>
        {
            Concurrency(report),
            SetupPercentiles(report),
            SuccessRate(report),
            Distribution(report, "loss", "Packet loss per stream", MetricCatalog.VideoPacketLoss, MetricCatalog.AudioPacketLoss, "loss (fraction)"),
            Distribution(report, "jitter", "Jitter per stream", MetricCatalog.VideoJitterMs, MetricCatalog.AudioJitterMs, "jitter (ms)"),
        };
        if (report.Soak.Count > 0)
        {
            charts.Add(Soak(report));
        }

        return charts;
    }

    /// <summary>
    /// The charts split by group (empty when the run had no bot groups): for each trend metric with samples, its p50 and
    /// p95 per group next to all calls; then the counters per call of each group.
    /// </summary>
    public static List<ReportChart> RenderGroups(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var charts = new List<ReportChart>();
        var groups = GroupsOf(report);
        if (groups.Count == 0)
        {
            return charts;
        }

        var columns = groups.Select(g => (Label: g, Metrics: report.Groups[g])).Append((Label: "all", Metrics: report.Metrics)).ToList();
        foreach (var (name, kind) in MetricCatalog.Kinds.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            if (kind == MetricKind.Trend && report.Metrics.TryGetValue(name, out var all) && all.Histogram is { Count: > 0 })
            {
                charts.Add(GroupPercentiles(name, columns));
            }
        }

        charts.Add(GroupCounters(columns));
        return charts;
    }

    /// <summary>The report's groups in name order, <c>none</c> (callers outside groups) last; empty without named groups.</summary>
    public static List<string> GroupsOf(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!report.Groups.Keys.Any(g => g != LoadMetrics.NoGroup))
        {
            return [];
        }

        return [.. report.Groups.Keys.OrderBy(g => g == LoadMetrics.NoGroup).ThenBy(g => g, StringComparer.Ordinal)];
    }

    private static ReportChart GroupPercentiles(string metric, List<(string Label, Dictionary<string, MetricData> Metrics)> columns)
    {
        var unit = MetricCatalog.Units.GetValueOrDefault(metric, "");
        var title = $"{metric} by group";
        var plot = NewPlot(title, "group", unit);
        var p50 = new List<Bar>();
        var p95 = new List<Bar>();
        for (var i = 0; i < columns.Count; i++)
        {
            if (!columns[i].Metrics.TryGetValue(metric, out var data) || data.Histogram is not { Count: > 0 } histogram)
            {
                continue; // no samples in this group: no bar, rather than a bar at 0 that reads as a measurement
            }

            var h = LogHistogram.FromData(histogram);
            p50.Add(new Bar { Position = i - 0.2, Value = h.Percentile(50), Size = 0.36, FillColor = Colors.SteelBlue });
            p95.Add(new Bar { Position = i + 0.2, Value = h.Percentile(95), Size = 0.36, FillColor = Colors.DarkOrange });
        }

        plot.Add.Bars(p50).LegendText = "p50";
        plot.Add.Bars(p95).LegendText = "p95";
        GroupTicks(plot, columns);
        return Done("group-" + metric, title + " (p50, p95)", plot);
    }

    private static ReportChart GroupCounters(List<(string Label, Dictionary<string, MetricData> Metrics)> columns)
    {
        const string title = "Failures, freezes and restarts per call, by group";
        var plot = NewPlot(title, "group", "per call");
        var counters = new[] { (MetricCatalog.CallFailures, Colors.Crimson), (MetricCatalog.Freezes, Colors.SteelBlue), (MetricCatalog.IceRestarts, Colors.DarkOrange), (MetricCatalog.ChatReconnects, Colors.SeaGreen) };
        var width = 0.8 / counters.Length;
        for (var c = 0; c < counters.Length; c++)
        {
            var (metric, color) = counters[c];
            var bars = new List<Bar>();
            for (var i = 0; i < columns.Count; i++)
            {
                var calls = columns[i].Metrics.TryGetValue(MetricCatalog.Calls, out var n) ? n.Sum : 0;
                var sum = columns[i].Metrics.TryGetValue(metric, out var data) ? data.Sum : 0;
                bars.Add(new Bar { Position = i - 0.4 + ((c + 0.5) * width), Value = calls > 0 ? sum / calls : 0, Size = width * 0.9, FillColor = color });
            }

            plot.Add.Bars(bars).LegendText = metric;
        }

        GroupTicks(plot, columns);
        return Done("group-counters", title, plot);
    }

    private static void GroupTicks(Plot plot, List<(string Label, Dictionary<string, MetricData> Metrics)> columns)
    {
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, columns.Count).Select(i => (double)i)], [.. columns.Select(c => c.Label)]);
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
    }

    private static ReportChart Concurrency(LoadReport report)
    {
        var plot = NewPlot("Concurrent calls", "time (s)", "calls in progress");
        var xs = new double[report.Windows.Count];
        var ys = new double[report.Windows.Count];
        for (var i = 0; i < xs.Length; i++)
        {
            xs[i] = report.Windows[i].StartSeconds;
            ys[i] = report.Windows[i].ActiveCalls;
        }

        Line(plot, xs, ys, "active", Colors.SteelBlue);
        return Done("concurrency", "Concurrent calls", plot);
    }

    private static ReportChart SetupPercentiles(LoadReport report)
    {
        var plot = NewPlot("Call setup (call → ICE connected)", "time (s)", "ms");
        var xs = new List<double>();
        var p50 = new List<double>();
        var p95 = new List<double>();
        var p99 = new List<double>();
        foreach (var window in report.Windows)
        {
            if (window.Setup.Count == 0)
            {
                continue;
            }

            var h = LogHistogram.FromData(window.Setup);
            xs.Add(window.StartSeconds);
            p50.Add(h.Percentile(50));
            p95.Add(h.Percentile(95));
            p99.Add(h.Percentile(99));
        }

        Line(plot, [.. xs], [.. p50], "p50", Colors.SeaGreen);
        Line(plot, [.. xs], [.. p95], "p95", Colors.DarkOrange);
        Line(plot, [.. xs], [.. p99], "p99", Colors.Crimson);
        plot.ShowLegend(Alignment.UpperRight);
        return Done("setup", "Call setup percentiles over time", plot);
    }

    private static ReportChart SuccessRate(LoadReport report)
    {
        var plot = NewPlot("Success rate of finished calls", "time (s)", "success (%)");
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var window in report.Windows)
        {
            if (window.Finished > 0)
            {
                xs.Add(window.StartSeconds);
                ys.Add(100.0 * window.Succeeded / window.Finished);
            }
        }

        Line(plot, [.. xs], [.. ys], "success", Colors.SeaGreen);
        plot.Axes.SetLimitsY(0, 105);
        return Done("success", "Success rate over time", plot);
    }

    private static ReportChart Distribution(LoadReport report, string id, string title, string video, string audio, string xLabel)
    {
        var plot = NewPlot(title, xLabel, "streams");
        var any = false;
        foreach (var (metric, color, label) in new[] { (video, Colors.SteelBlue, "video"), (audio, Colors.DarkOrange, "audio") })
        {
            if (!report.Metrics.TryGetValue(metric, out var data) || data.Histogram is not { Count: > 0 } histogram)
            {
                continue;
            }

            // Re-bin the fine log buckets into 20 linear bins between min and max so the chart reads as a histogram.
            var h = LogHistogram.FromData(histogram);
            var min = h.Min;
            var max = Math.Max(h.Max, min + 1e-9);
            const int bins = 20;
            var width = (max - min) / bins;
            var counts = new double[bins];
            foreach (var (lower, count) in h.Distribution())
            {
                var bin = Math.Clamp((int)((Math.Max(lower, min) - min) / width), 0, bins - 1);
                counts[bin] += count;
            }

            var bars = new List<Bar>();
            for (var b = 0; b < bins; b++)
            {
                bars.Add(new Bar { Position = min + ((b + 0.5) * width), Value = counts[b], Size = width * 0.9, FillColor = color.WithAlpha(0.7) });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = label;
            any = true;
        }

        if (any)
        {
            plot.ShowLegend(Alignment.UpperRight);
        }
        else
        {
            plot.Add.Annotation("no samples");
        }

        return Done(id, title, plot);
    }

    private static ReportChart Soak(LoadReport report)
    {
        var plot = NewPlot("Soak: process resources", "time (min)", "MB");
        foreach (var soak in report.Soak)
        {
            var xs = new double[soak.Samples.Count];
            var rss = new double[xs.Length];
            var heap = new double[xs.Length];
            var nativeXs = new List<double>(xs.Length);
            var native = new List<double>(xs.Length);
            for (var i = 0; i < xs.Length; i++)
            {
                xs[i] = soak.Samples[i].OffsetSeconds / 60.0;
                rss[i] = soak.Samples[i].RssBytes / 1048576.0;
                heap[i] = soak.Samples[i].GcHeapBytes / 1048576.0;
                if (soak.Samples[i].GcCommittedBytes > 0) // 0: no collection yet (or a report from before the field existed)
                {
                    nativeXs.Add(xs[i]);
                    native.Add(Math.Max(0, soak.Samples[i].RssBytes - soak.Samples[i].GcCommittedBytes) / 1048576.0);
                }
            }

            Line(plot, xs, rss, $"RSS [{soak.Shard}]", Colors.SteelBlue);
            Line(plot, xs, heap, $"GC heap [{soak.Shard}]", Colors.DarkOrange);
            Line(plot, [.. nativeXs], [.. native], $"RSS - GC committed (native) [{soak.Shard}]", Colors.SeaGreen);
        }

        plot.ShowLegend(Alignment.UpperLeft);
        return Done("soak", "Soak: RSS, GC heap and native memory", plot);
    }

    private static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        return plot;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, string label, Color color)
    {
        if (xs.Length == 0)
        {
            return;
        }

        var scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.MarkerSize = xs.Length > 60 ? 0 : 4;
    }

    private static ReportChart Done(string id, string title, Plot plot)
    {
        var png = plot.GetImageBytes(Width, Height, ImageFormat.Png);
        return new ReportChart(id, title, png);
    }
}
