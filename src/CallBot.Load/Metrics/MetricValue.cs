using CallBot.Load.Thresholds;

namespace CallBot.Load.Metrics;

/// <summary>One metric's accumulated value: a histogram (trend), passes/total (rate) or a sum (counter).</summary>
public sealed class MetricValue
{
    public MetricValue(MetricKind kind) => Kind = kind;

    public MetricKind Kind { get; }

    public LogHistogram Histogram { get; } = new();

    public long Passes { get; private set; }

    public long Total { get; private set; }

    public double CounterSum { get; private set; }

    public static MetricValue FromData(MetricData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var value = new MetricValue(data.Kind) { Passes = data.Passes, Total = data.Total, CounterSum = data.Sum };
        if (data.Histogram is not null)
        {
            value.Histogram.Add(LogHistogram.FromData(data.Histogram));
        }

        return value;
    }

    public void Record(double value) => Histogram.Record(value);

    public void RecordRate(bool pass)
    {
        Total++;
        if (pass)
        {
            Passes++;
        }
    }

    public void Increment(double by = 1) => CounterSum += by;

    public void Add(MetricValue other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Histogram.Add(other.Histogram);
        Passes += other.Passes;
        Total += other.Total;
        CounterSum += other.CounterSum;
    }

    /// <summary>The number a threshold compares; NaN when there is nothing to aggregate.</summary>
    public double Aggregate(ThresholdExpression expression, double runSeconds)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return Kind switch
        {
            MetricKind.Trend => expression.Aggregation switch
            {
                ThresholdAggregation.Percentile => Histogram.Percentile(expression.Percentile),
                ThresholdAggregation.Average => Histogram.Mean,
                ThresholdAggregation.Min => Histogram.Count == 0 ? double.NaN : Histogram.Min,
                ThresholdAggregation.Max => Histogram.Count == 0 ? double.NaN : Histogram.Max,
                ThresholdAggregation.Median => Histogram.Percentile(50),
                ThresholdAggregation.Count => Histogram.Count,
                _ => double.NaN,
            },
            MetricKind.Rate => expression.Aggregation switch
            {
                ThresholdAggregation.Rate => Total == 0 ? double.NaN : (double)Passes / Total,
                ThresholdAggregation.Count => Total,
                _ => double.NaN,
            },
            _ => expression.Aggregation switch
            {
                ThresholdAggregation.Count => CounterSum,
                ThresholdAggregation.Rate => runSeconds > 0 ? CounterSum / runSeconds : double.NaN,
                _ => double.NaN,
            },
        };
    }

    public MetricData ToData() => new()
    {
        Kind = Kind,
        Histogram = Kind == MetricKind.Trend ? Histogram.ToData() : null,
        Passes = Passes,
        Total = Total,
        Sum = CounterSum,
    };
}

/// <summary>The serialized form of a <see cref="MetricValue"/>, plus a summary people can read without the histogram.</summary>
public sealed class MetricData
{
    public MetricKind Kind { get; set; }

    public HistogramData? Histogram { get; set; }

    public long Passes { get; set; }

    public long Total { get; set; }

    public double Sum { get; set; }

    public MetricSummary? Summary { get; set; }
}

public sealed class MetricSummary
{
    public double? Avg { get; set; }

    public double? Min { get; set; }

    public double? Med { get; set; }

    public double? P90 { get; set; }

    public double? P95 { get; set; }

    public double? P99 { get; set; }

    public double? Max { get; set; }

    public double? Rate { get; set; }

    public double? Count { get; set; }
}
