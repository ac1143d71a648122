using System.Globalization;

namespace CallBot.Load.Thresholds;

public enum ThresholdAggregation
{
    Percentile,
    Average,
    Min,
    Max,
    Median,
    Rate,
    Count,
}

public enum ThresholdOperator
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
}

/// <summary>
/// One k6-style threshold condition: <c>AGGREGATION OPERATOR NUMBER</c>, where AGGREGATION is <c>p(N)</c>, <c>avg</c>,
/// <c>min</c>, <c>max</c>, <c>med</c>, <c>rate</c> or <c>count</c>, and OPERATOR one of <c>&lt; &lt;= &gt; &gt;= ==</c>.
/// </summary>
public sealed record ThresholdExpression(ThresholdAggregation Aggregation, double Percentile, ThresholdOperator Operator, double Limit, string Text)
{
    public static bool TryParse(string? text, out ThresholdExpression? expression, out string error)
    {
        expression = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty threshold; expected e.g. 'p(95) < 800' or 'rate > 0.99'";
            return false;
        }

        var s = text.Trim();
        var opAt = s.IndexOfAny(['<', '>', '=']);
        if (opAt <= 0)
        {
            error = $"'{s}' has no operator; expected one of < <= > >= ==";
            return false;
        }

        var left = s[..opAt].Trim();
        var rest = s[opAt..];
        ThresholdOperator op;
        int opLength;
        if (rest.StartsWith("<=", StringComparison.Ordinal)) { op = ThresholdOperator.LessOrEqual; opLength = 2; }
        else if (rest.StartsWith(">=", StringComparison.Ordinal)) { op = ThresholdOperator.GreaterOrEqual; opLength = 2; }
        else if (rest.StartsWith("==", StringComparison.Ordinal)) { op = ThresholdOperator.Equal; opLength = 2; }
        else if (rest[0] == '<') { op = ThresholdOperator.Less; opLength = 1; }
        else if (rest[0] == '>') { op = ThresholdOperator.Greater; opLength = 1; }
        else
        {
            error = $"'{s}': '=' is not an operator; use ==";
            return false;
        }

        var right = rest[opLength..].Trim();
        if (!double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var limit) || !double.IsFinite(limit))
        {
            error = $"'{s}': '{right}' is not a number";
            return false;
        }

        var percentile = 0.0;
        ThresholdAggregation aggregation;
        switch (left)
        {
            case "avg": aggregation = ThresholdAggregation.Average; break;
            case "min": aggregation = ThresholdAggregation.Min; break;
            case "max": aggregation = ThresholdAggregation.Max; break;
            case "med": aggregation = ThresholdAggregation.Median; break;
            case "rate": aggregation = ThresholdAggregation.Rate; break;
            case "count": aggregation = ThresholdAggregation.Count; break;
            default:
                if (left.StartsWith("p(", StringComparison.Ordinal) && left.EndsWith(')')
                    && double.TryParse(left[2..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out percentile)
                    && percentile is >= 0 and <= 100)
                {
                    aggregation = ThresholdAggregation.Percentile;
                    break;
                }

                error = $"'{s}': unknown aggregation '{left}'; expected p(N) with 0 <= N <= 100, avg, min, max, med, rate or count";
                return false;
        }

        expression = new ThresholdExpression(aggregation, percentile, op, limit, s);
        return true;
    }

    public bool Holds(double actual) => Operator switch
    {
        ThresholdOperator.Less => actual < Limit,
        ThresholdOperator.LessOrEqual => actual <= Limit,
        ThresholdOperator.Greater => actual > Limit,
        ThresholdOperator.GreaterOrEqual => actual >= Limit,
        _ => actual == Limit,
    };

    public override string ToString() => Text;
}
