using CallBot.Load.Metrics;
using CallBot.Load.Thresholds;

namespace CallBot.Load.Scenario;

/// <summary>The scenario's <c>thresholds</c>: each metric known to <see cref="MetricCatalog"/>, each condition parsed and fit for the metric's kind.</summary>
internal sealed class ThresholdRules(ScenarioErrors errors)
{
    public List<ThresholdDefinition> Thresholds(Dictionary<string, List<string>> thresholds)
    {
        var result = new List<ThresholdDefinition>();
        foreach (var (metric, expressions) in thresholds)
        {
            var at = "thresholds." + metric;
            if (!MetricCatalog.Kinds.TryGetValue(metric, out var kind))
            {
                errors.Add(at, $"unknown metric '{metric}'; known: {string.Join(", ", MetricCatalog.Kinds.Keys)}");
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
}
