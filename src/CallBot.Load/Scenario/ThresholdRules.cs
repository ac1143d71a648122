using CallBot.Load.Metrics;
using CallBot.Load.Thresholds;

namespace CallBot.Load.Scenario;

/// <summary>
/// The scenario's <c>thresholds</c>: each metric known to <see cref="MetricCatalog"/>, bare or tagged k6-style
/// (<c>video_fps{group:mobile}</c>, <c>call_setup_ms{shape:pair}</c>; a group must be one of the scenario's or
/// <c>none</c>), each condition parsed and fit for the metric's kind.
/// </summary>
internal sealed class ThresholdRules(ScenarioErrors errors)
{
    public List<ThresholdDefinition> Thresholds(Dictionary<string, List<string>> thresholds, IReadOnlyCollection<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var result = new List<ThresholdDefinition>();
        foreach (var (metric, expressions) in thresholds)
        {
            var at = "thresholds." + metric;
            if (!MetricCatalog.TryParseName(metric, out var baseName, out var tag, out var tagValue))
            {
                errors.Add(at, $"'{metric}' is not NAME or NAME{{group:G}} / NAME{{shape:S}}");
                continue;
            }

            if (!MetricCatalog.Kinds.TryGetValue(baseName, out var kind))
            {
                errors.Add(at, $"unknown metric '{baseName}'; known: {string.Join(", ", MetricCatalog.Kinds.Keys)}");
                continue;
            }

            if (tag is not null && !TagFits(at, tag, tagValue!, groups))
            {
                continue;
            }

            if (expressions is null || expressions.Count == 0)
            {
                errors.Add(at, "needs at least one condition, e.g. [\"p(95) < 800\"]");
                continue;
            }

            for (var i = 0; i < expressions.Count; i++)
            {
                if (!ThresholdExpression.TryParse(expressions[i], out var expression, out var error))
                {
                    errors.Add($"{at}[{i}]", error);
                    continue;
                }

                var allowed = kind switch
                {
                    MetricKind.Trend => expression!.Aggregation is not ThresholdAggregation.Rate,
                    MetricKind.Rate => expression!.Aggregation is ThresholdAggregation.Rate or ThresholdAggregation.Count,
                    _ => expression!.Aggregation is ThresholdAggregation.Rate or ThresholdAggregation.Count,
                };
                if (!allowed)
                {
                    errors.Add($"{at}[{i}]", $"'{expression.Text}': a {kind.ToString().ToLowerInvariant()} metric supports {(kind == MetricKind.Trend ? "p(N), avg, min, max, med, count" : "rate, count")}");
                    continue;
                }

                result.Add(new ThresholdDefinition(metric, expression));
            }
        }

        return result;
    }

    private bool TagFits(string at, string tag, string value, IReadOnlyCollection<string> groups)
    {
        if (value.Length > MetricCatalog.MaxTagValueLength)
        {
            errors.Add(at, $"tag value longer than {MetricCatalog.MaxTagValueLength} characters");
            return false;
        }

        switch (tag)
        {
            case MetricCatalog.GroupTag when value == Driver.StreamResult.NoGroup || groups.Contains(value):
                return true;
            case MetricCatalog.GroupTag:
                errors.Add(at, $"unknown group '{value}'; groups: {string.Join(", ", groups.Append(Driver.StreamResult.NoGroup))}");
                return false;
            case MetricCatalog.ShapeTag when value == "pair" || (value.StartsWith("mesh-", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 3):
                return true;
            case MetricCatalog.ShapeTag:
                errors.Add(at, $"unknown shape '{value}'; expected pair or mesh-N (N ≥ 3 participants)");
                return false;
            default:
                errors.Add(at, $"unknown tag '{tag}'; expected {MetricCatalog.GroupTag} or {MetricCatalog.ShapeTag}");
                return false;
        }
    }
}
