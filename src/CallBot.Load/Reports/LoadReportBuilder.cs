using CallBot.Load.Metrics;
using CallBot.Load.Scenario;
using CallBot.Load.Soak;
using CallBot.Load.Thresholds;

namespace CallBot.Load.Reports;

/// <summary>Turns a run's aggregated metrics into a <see cref="LoadReport"/> with summaries and threshold verdicts.</summary>
public static class LoadReportBuilder
{
    public static LoadReport Build(
        LoadedScenario scenario,
        ShardInfo shard,
        LoadMetrics metrics,
        DateTimeOffset startedAt,
        TimeSpan duration,
        long plannedCalls,
        long unplacedCalls,
        SoakReport? soak = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(metrics);
        var definitions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var threshold in scenario.Thresholds)
        {
            if (!definitions.TryGetValue(threshold.Metric, out var list))
            {
                list = [];
                definitions[threshold.Metric] = list;
            }

            list.Add(threshold.Expression.Text);
        }

        var report = new LoadReport
        {
            Name = scenario.Source.Name,
            ScenarioHash = scenario.Hash,
            Shards = [shard],
            Environments = [EnvironmentInfo.Current(shard)],
            StartedAt = startedAt,
            DurationSeconds = Math.Round(duration.TotalSeconds, 3),
            WindowSeconds = metrics.Window.TotalSeconds,
            PlannedCalls = plannedCalls,
            UnplacedCalls = unplacedCalls,
            Windows = metrics.Windows(),
            Errors = metrics.Errors(),
            ThresholdDefinitions = definitions,
            Soak = soak is null ? [] : [soak],
        };
        Judge(report, metrics.Snapshot());
        report.Groups = DescribeGroups(metrics.GroupSnapshot(), report.DurationSeconds);
        return report;
    }

    /// <summary>Fills metrics (with summaries), threshold verdicts and <see cref="LoadReport.Passed"/> from <paramref name="values"/>.</summary>
    internal static void Judge(LoadReport report, Dictionary<string, MetricValue> values)
    {
        var definitions = new List<ThresholdDefinition>();
        foreach (var (metric, expressions) in report.ThresholdDefinitions)
        {
            foreach (var text in expressions)
            {
                if (ThresholdExpression.TryParse(text, out var expression, out var error))
                {
                    definitions.Add(new ThresholdDefinition(metric, expression!));
                }
                else
                {
                    throw new InvalidDataException($"report threshold {metric}: {error}");
                }
            }
        }

        report.Metrics = Describe(values, report.DurationSeconds);

        report.Thresholds = ThresholdEvaluator.Evaluate(values, definitions, report.DurationSeconds);
        var passed = true;
        foreach (var result in report.Thresholds)
        {
            passed &= result.Passed;
        }

        foreach (var soak in report.Soak)
        {
            passed &= soak.Passed;
        }

        report.Passed = passed;
    }

    /// <summary>Each group's metrics as report data with summaries.</summary>
    internal static Dictionary<string, Dictionary<string, MetricData>> DescribeGroups(Dictionary<string, Dictionary<string, MetricValue>> groups, double seconds)
    {
        var described = new Dictionary<string, Dictionary<string, MetricData>>(StringComparer.Ordinal);
        foreach (var (group, values) in groups)
        {
            described[group] = Describe(values, seconds);
        }

        return described;
    }

    private static Dictionary<string, MetricData> Describe(Dictionary<string, MetricValue> values, double seconds)
    {
        var described = new Dictionary<string, MetricData>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            var data = value.ToData();
            data.Summary = Summarize(value, seconds);
            described[name] = data;
        }

        return described;
    }

    private static MetricSummary Summarize(MetricValue value, double seconds)
    {
        static double? N(double v) => double.IsFinite(v) ? Math.Round(v, 4) : null;
        var h = value.Histogram;
        return value.Kind switch
        {
            MetricKind.Trend => new MetricSummary
            {
                Count = h.Count,
                Avg = N(h.Mean),
                Min = h.Count == 0 ? null : N(h.Min),
                Med = N(h.Percentile(50)),
                P90 = N(h.Percentile(90)),
                P95 = N(h.Percentile(95)),
                P99 = N(h.Percentile(99)),
                Max = h.Count == 0 ? null : N(h.Max),
            },
            MetricKind.Rate => new MetricSummary { Count = value.Total, Rate = value.Total == 0 ? null : N((double)value.Passes / value.Total) },
            _ => new MetricSummary { Count = value.CounterSum, Rate = seconds > 0 ? N(value.CounterSum / seconds) : null },
        };
    }
}
