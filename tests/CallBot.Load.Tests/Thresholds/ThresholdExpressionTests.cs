using CallBot.Load.Metrics;
using CallBot.Load.Scenario;
using CallBot.Load.Thresholds;

namespace CallBot.Load.Tests.Thresholds;

public sealed class ThresholdExpressionTests
{
    [Theory]
    [InlineData("p(95) < 800", ThresholdAggregation.Percentile, 95, ThresholdOperator.Less, 800)]
    [InlineData("p(99.9)<=1.5", ThresholdAggregation.Percentile, 99.9, ThresholdOperator.LessOrEqual, 1.5)]
    [InlineData("rate > 0.99", ThresholdAggregation.Rate, 0, ThresholdOperator.Greater, 0.99)]
    [InlineData("avg >= 3", ThresholdAggregation.Average, 0, ThresholdOperator.GreaterOrEqual, 3)]
    [InlineData("count == 0", ThresholdAggregation.Count, 0, ThresholdOperator.Equal, 0)]
    [InlineData(" med < 2e3 ", ThresholdAggregation.Median, 0, ThresholdOperator.Less, 2000)]
    [InlineData("min>1", ThresholdAggregation.Min, 0, ThresholdOperator.Greater, 1)]
    [InlineData("max < 10", ThresholdAggregation.Max, 0, ThresholdOperator.Less, 10)]
    public void Parses_k6_syntax(string text, ThresholdAggregation aggregation, double percentile, ThresholdOperator op, double limit)
    {
        Assert.True(ThresholdExpression.TryParse(text, out var e, out var error), error);
        Assert.Equal(aggregation, e!.Aggregation);
        Assert.Equal(percentile, e.Percentile);
        Assert.Equal(op, e.Operator);
        Assert.Equal(limit, e.Limit);
    }

    [Theory]
    [InlineData("p(95) 800", "no operator")]
    [InlineData("p(101) < 1", "unknown aggregation")]
    [InlineData("p95 < 1", "unknown aggregation")]
    [InlineData("rate = 1", "use ==")]
    [InlineData("rate > x", "not a number")]
    [InlineData("< 3", "no operator")]
    [InlineData("", "empty")]
    public void Rejects_malformed_conditions(string text, string reason)
    {
        Assert.False(ThresholdExpression.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluates_trend_rate_and_counter_metrics_and_fails_on_no_samples()
    {
        var setup = new MetricValue(MetricKind.Trend);
        for (var i = 1; i <= 100; i++)
        {
            setup.Record(i * 10); // 10..1000 ms
        }

        var success = new MetricValue(MetricKind.Rate);
        for (var i = 0; i < 100; i++)
        {
            success.RecordRate(i != 0); // 99%
        }

        var freezes = new MetricValue(MetricKind.Counter);
        freezes.Increment(3);
        var metrics = new Dictionary<string, MetricValue>
        {
            [MetricCatalog.CallSetupMs] = setup,
            [MetricCatalog.CallSuccessRate] = success,
            [MetricCatalog.Freezes] = freezes,
            [MetricCatalog.RttMs] = new MetricValue(MetricKind.Trend),
        };
        var results = ThresholdEvaluator.Evaluate(metrics, [T("call_setup_ms", "p(95) < 960"), T("call_setup_ms", "p(95) < 940"), T("call_setup_ms", "avg == 505"), T("call_success_rate", "rate >= 0.99"), T("call_success_rate", "rate > 0.99"), T("freezes", "count == 0"), T("freezes", "rate < 0.2"), T("rtt_ms", "p(95) < 100")], runSeconds: 10);
        Assert.Equal([true, false, true, true, false, false, false, false], results.Select(r => r.Passed));
        Assert.Equal(950, results[0].Actual!.Value, 950 * 0.01);
        Assert.Equal(0.3, results[6].Actual);
        Assert.Null(results[7].Actual);
        Assert.Contains("rtt_ms: p(95) < 100 BREACHED (actual no samples)", results[7].ToString(), StringComparison.Ordinal);
    }

    private static ThresholdDefinition T(string metric, string text)
    {
        Assert.True(ThresholdExpression.TryParse(text, out var e, out _));
        return new ThresholdDefinition(metric, e!);
    }
}
