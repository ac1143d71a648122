using System.Globalization;
using CallBot.Load.Metrics;
using CallBot.Load.Scenario;

namespace CallBot.Load.Thresholds;

/// <summary>The verdict on one threshold; <see cref="Actual"/> is null when the metric had no samples (which fails).</summary>
public sealed class ThresholdResult
{
    public string Metric { get; set; } = "";

    public string Expression { get; set; } = "";

    public double? Actual { get; set; }

    public bool Passed { get; set; }

    public override string ToString() =>
        $"{Metric}: {Expression} {(Passed ? "passed" : "BREACHED")} (actual {(Actual is { } a ? a.ToString("0.####", CultureInfo.InvariantCulture) : "no samples")})";
}

public static class ThresholdEvaluator
{
    public static List<ThresholdResult> Evaluate(IReadOnlyDictionary<string, MetricValue> metrics, IEnumerable<ThresholdDefinition> thresholds, double runSeconds)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(thresholds);
        var results = new List<ThresholdResult>();
        foreach (var threshold in thresholds)
        {
            var actual = metrics.TryGetValue(threshold.Metric, out var value) ? value.Aggregate(threshold.Expression, runSeconds) : double.NaN;
            var known = !double.IsNaN(actual);
            results.Add(new ThresholdResult
            {
                Metric = threshold.Metric,
                Expression = threshold.Expression.Text,
                Actual = known ? actual : null,
                Passed = known && threshold.Expression.Holds(actual),
            });
        }

        return results;
    }
}
