using System.Text.RegularExpressions;
using CallBot.Load.Metrics;
using CallBot.Load.Running;
using CallBot.TestSupport;

namespace CallBot.Load.Tests.Metrics;

/// <summary>
/// docs/load/README.md's metric table and the code agree: every catalog metric has a row with its kind, its unit and
/// its live series (or "report only"), no row names a metric the run does not produce, and the live-only series of
/// <see cref="LoadTelemetry"/> are listed too.
/// </summary>
public sealed partial class MetricDocsTests
{
    private static readonly string Docs = File.ReadAllText(Path.Combine(RepoFiles.Root, "docs/load/README.md"));

    [Fact]
    public void Every_catalog_metric_has_a_row_with_its_kind_unit_and_live_series_and_no_row_is_extra()
    {
        var rows = new Dictionary<string, (string Kind, string Unit, string Live, string Definition, string Source)>(StringComparer.Ordinal);
        foreach (Match row in MetricRow().Matches(Docs))
        {
            Assert.True(rows.TryAdd(row.Groups[1].Value, (row.Groups[2].Value, row.Groups[3].Value, row.Groups[4].Value, row.Groups[5].Value, row.Groups[6].Value)), "two rows for " + row.Groups[1].Value);
        }

        Assert.Equal(MetricCatalog.Kinds.Keys.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, kind) in MetricCatalog.Kinds)
        {
            var row = rows[name];
            Assert.True(kind.ToString().Equals(row.Kind, StringComparison.OrdinalIgnoreCase), $"{name}: the docs say {row.Kind}, the catalog {kind}");
            Assert.True(MetricCatalog.Units.TryGetValue(name, out var unit), name + " has no unit in MetricCatalog.Units");
            Assert.True(unit == row.Unit, $"{name}: the docs say {row.Unit}, the catalog {unit}");
            var live = LoadTelemetry.ReportOnly.Contains(name)
                ? "report only"
                : $"`{LoadTelemetry.PrometheusName(name)}{(kind == MetricKind.Trend ? "" : "_total")}`";
            Assert.True(row.Live.StartsWith(live, StringComparison.Ordinal), $"{name}: live column '{row.Live}' should start with {live}");
            Assert.True(row.Definition.Trim().Length > 20 && row.Source.Trim().Length > 3, $"{name}: definition or source missing");
        }
    }

    [Fact]
    public void Live_only_series_are_documented()
    {
        foreach (var series in new[] { LoadTelemetry.PrometheusName(LoadTelemetry.CallsStarted) + "_total", LoadTelemetry.PrometheusName(LoadTelemetry.ActiveCalls) })
        {
            Assert.Contains($"| `{series}` |", Docs, StringComparison.Ordinal);
        }
    }

    /// <summary>A row of the metric table: | `name` | kind | unit | live | definition | source |.</summary>
    [GeneratedRegex(@"^\| `([a-z0-9_]+)` \| (trend|rate|counter) \| ([a-z]+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|\s*$", RegexOptions.Multiline)]
    private static partial Regex MetricRow();
}
