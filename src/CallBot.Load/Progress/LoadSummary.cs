using System.Globalization;
using CallBot.Load.Reports;

namespace CallBot.Load.Progress;

/// <summary>The end-of-run text: totals, each threshold's verdict, errors by reason, soak verdicts.</summary>
public static class LoadSummary
{
    public static IEnumerable<string> Lines(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var calls = report.Metrics.TryGetValue("calls", out var c) ? c.Sum : 0;
        var rate = report.Metrics.TryGetValue("call_success_rate", out var r) && r.Total > 0 ? (double)r.Passes / r.Total : double.NaN;
        yield return string.Create(CultureInfo.InvariantCulture, $"load: {report.Name} shard(s) {string.Join(",", report.Shards)}: {calls:0} calls in {report.DurationSeconds:0.#}s, success {rate:P2}, unplaced {report.UnplacedCalls}");
        foreach (var t in report.Thresholds)
        {
            yield return (t.Passed ? "  ✓ " : "  ✗ ") + t;
        }

        foreach (var (reason, count) in report.Errors)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"  error {reason}: {count}");
        }

        foreach (var soak in report.Soak)
        {
            foreach (var v in soak.Verdicts)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"  soak [{soak.Shard}] {v.Resource}: {v.SlopePerHour:0.###} {v.Unit}/h (limit {v.LimitPerHour:0.##}) {(v.Passed ? "ok" : "LEAK")} {v.Note}");
            }
        }

        yield return report.Passed ? "load: PASSED" : "load: FAILED (" + string.Join("; ", Breaches(report)) + ")";
    }

    /// <summary>Each breached threshold and failed soak verdict, by name.</summary>
    public static List<string> Breaches(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var breaches = new List<string>();
        foreach (var t in report.Thresholds)
        {
            if (!t.Passed)
            {
                breaches.Add($"{t.Metric}: {t.Expression}");
            }
        }

        foreach (var soak in report.Soak)
        {
            foreach (var v in soak.Verdicts)
            {
                if (!v.Passed)
                {
                    breaches.Add($"soak {v.Resource} slope");
                }
            }
        }

        return breaches;
    }
}
