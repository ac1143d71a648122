using CallBot.Load.Metrics;

namespace CallBot.Load.Reports;

/// <summary>
/// <c>callbot report merge A.json B.json … -o merged</c>: one report from shard reports of the same scenario. Histograms
/// and counts are added (so merged percentiles are true percentiles of all samples), windows are added by index,
/// thresholds are judged again on the merged metrics.
/// </summary>
public static class LoadReportMerger
{
    public static LoadReport Merge(IReadOnlyList<LoadReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        if (reports.Count == 0)
        {
            throw new ArgumentException("nothing to merge", nameof(reports));
        }

        var first = reports[0];
        var merged = new LoadReport
        {
            Name = first.Name,
            ScenarioHash = first.ScenarioHash,
            StartedAt = first.StartedAt,
            WindowSeconds = first.WindowSeconds,
            ThresholdDefinitions = first.ThresholdDefinitions,
        };
        var values = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
        var groups = new Dictionary<string, Dictionary<string, MetricValue>>(StringComparer.Ordinal);
        var windows = new SortedDictionary<int, (WindowData Data, LogHistogram Setup)>();
        foreach (var report in reports)
        {
            if (report.ScenarioHash != first.ScenarioHash)
            {
                throw new InvalidDataException($"reports come from different scenarios ({first.ScenarioHash} and {report.ScenarioHash})");
            }

            if (Math.Abs(report.WindowSeconds - first.WindowSeconds) > 1e-9)
            {
                throw new InvalidDataException($"reports use different windows ({first.WindowSeconds}s and {report.WindowSeconds}s)");
            }

            merged.Shards.AddRange(report.Shards);
            merged.Environments.AddRange(report.Environments);
            merged.Soak.AddRange(report.Soak);
            merged.PlannedCalls += report.PlannedCalls;
            merged.UnplacedCalls += report.UnplacedCalls;
            merged.StartedAt = report.StartedAt < merged.StartedAt ? report.StartedAt : merged.StartedAt;
            merged.DurationSeconds = Math.Max(merged.DurationSeconds, report.DurationSeconds);
            foreach (var (reason, count) in report.Errors)
            {
                merged.Errors[reason] = merged.Errors.GetValueOrDefault(reason) + count;
            }

            AddAll(values, report.Metrics);
            foreach (var (group, metrics) in report.Groups)
            {
                if (!groups.TryGetValue(group, out var groupValues))
                {
                    groupValues = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
                    groups[group] = groupValues;
                }

                AddAll(groupValues, metrics);
            }

            foreach (var window in report.Windows)
            {
                var index = (int)Math.Round(window.StartSeconds / report.WindowSeconds);
                if (!windows.TryGetValue(index, out var acc))
                {
                    acc = (new WindowData { StartSeconds = window.StartSeconds }, new LogHistogram());
                    windows[index] = acc;
                }

                acc.Data.ActiveCalls += window.ActiveCalls;
                acc.Data.Started += window.Started;
                acc.Data.Finished += window.Finished;
                acc.Data.Succeeded += window.Succeeded;
                acc.Setup.Add(LogHistogram.FromData(window.Setup));
            }
        }

        foreach (var (_, (data, setup)) in windows)
        {
            data.Setup = setup.ToData();
            merged.Windows.Add(data);
        }

        merged.Shards.Sort((a, b) => a.Index.CompareTo(b.Index));
        LoadReportBuilder.Judge(merged, values);
        merged.Groups = LoadReportBuilder.DescribeGroups(groups, merged.DurationSeconds);
        return merged;
    }

    private static void AddAll(Dictionary<string, MetricValue> values, Dictionary<string, MetricData> metrics)
    {
        foreach (var (name, data) in metrics)
        {
            var value = MetricValue.FromData(data);
            if (values.TryGetValue(name, out var existing))
            {
                existing.Add(value);
            }
            else
            {
                values[name] = value;
            }
        }
    }
}
