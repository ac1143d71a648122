namespace CallBot.Load.Metrics;

/// <summary>
/// An HDR-style histogram with logarithmic buckets of ratio <see cref="Gamma"/> (2%): any percentile it returns is within
/// 1% of a value actually recorded, memory grows with the value range (not the sample count), and two histograms merge by
/// adding bucket counts, so merged shard reports get true percentiles, not averaged ones. Min, max, sum and count are exact.
/// Values ≤ 0 go to a zero bucket. Not thread-safe.
/// </summary>
public sealed class LogHistogram
{
    public const double Gamma = 1.02;
    private static readonly double LogGamma = Math.Log(Gamma);

    public LogHistogram()
    {
    }

    public Dictionary<int, long> Buckets { get; } = [];

    public long Zeros { get; private set; }

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public double Min { get; private set; } = double.NaN;

    public double Max { get; private set; } = double.NaN;

    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    public static LogHistogram FromData(HistogramData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var h = new LogHistogram { Zeros = data.Zeros, Count = data.Count, Sum = data.Sum, Min = data.Min ?? double.NaN, Max = data.Max ?? double.NaN };
        foreach (var (index, count) in data.Buckets)
        {
            h.Buckets[index] = count;
        }

        return h;
    }

    public void Record(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        if (value <= 0)
        {
            value = 0;
            Zeros++;
        }
        else
        {
            var index = (int)Math.Floor(Math.Log(value) / LogGamma);
            Buckets[index] = Buckets.GetValueOrDefault(index) + 1;
        }

        Count++;
        Sum += value;
        Min = Count == 1 ? value : Math.Min(Min, value);
        Max = Count == 1 ? value : Math.Max(Max, value);
    }

    public void Add(LogHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0)
        {
            return;
        }

        foreach (var (index, count) in other.Buckets)
        {
            Buckets[index] = Buckets.GetValueOrDefault(index) + count;
        }

        Min = Count == 0 ? other.Min : Math.Min(Min, other.Min);
        Max = Count == 0 ? other.Max : Math.Max(Max, other.Max);
        Zeros += other.Zeros;
        Count += other.Count;
        Sum += other.Sum;
    }

    /// <summary>Nearest-rank percentile (0..100); NaN when empty.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Math.Clamp(p, 0, 100) / 100.0 * Count));
        if (rank <= Zeros)
        {
            return 0;
        }

        var seen = Zeros;
        var keys = new List<int>(Buckets.Keys);
        keys.Sort();
        foreach (var key in keys)
        {
            seen += Buckets[key];
            if (seen >= rank)
            {
                // Geometric middle of [γ^k, γ^(k+1)): at most 1% from any value in the bucket.
                var value = Math.Exp((key + 0.5) * LogGamma);
                return Math.Clamp(value, Min, Max);
            }
        }

        return Max;
    }

    /// <summary>(bucket lower bound, count) pairs in ascending order, zero bucket first; for distribution charts.</summary>
    public IReadOnlyList<(double Lower, long Count)> Distribution()
    {
        var result = new List<(double, long)>();
        if (Zeros > 0)
        {
            result.Add((0, Zeros));
        }

        var keys = new List<int>(Buckets.Keys);
        keys.Sort();
        foreach (var key in keys)
        {
            result.Add((Math.Exp(key * LogGamma), Buckets[key]));
        }

        return result;
    }

    public HistogramData ToData() => new()
    {
        Count = Count,
        Sum = Sum,
        Min = Count == 0 ? null : Min,
        Max = Count == 0 ? null : Max,
        Zeros = Zeros,
        Buckets = new SortedDictionary<int, long>(Buckets),
    };
}

/// <summary>The serialized form of a <see cref="LogHistogram"/> (report.json).</summary>
public sealed class HistogramData
{
    public long Count { get; set; }

    public double Sum { get; set; }

    public double? Min { get; set; }

    public double? Max { get; set; }

    public long Zeros { get; set; }

    public SortedDictionary<int, long> Buckets { get; set; } = [];
}
