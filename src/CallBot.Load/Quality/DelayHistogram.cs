using CallBot.Load.Metrics;

namespace CallBot.Load.Quality;

/// <summary>
/// A delay distribution recorded on a receive path without allocating: a fixed array over <see cref="LogHistogram"/>'s
/// own bucket indices, so <see cref="ToData"/> merges into the run's metrics with the same 2 % precision. Values below
/// <see cref="MinMs"/> count as zero (<see cref="LogHistogram.Zeros"/>), values above <see cref="MaxMs"/> land in the top
/// bucket (min, max and sum stay exact). The array (~2.8 KB) is allocated on the first value. Not thread-safe.
/// </summary>
public sealed class DelayHistogram
{
    public const double MinMs = 0.1;
    public const double MaxMs = 60_000;
    private static readonly double LogGamma = Math.Log(LogHistogram.Gamma);
    private static readonly int LowIndex = (int)Math.Floor(Math.Log(MinMs) / LogGamma);
    private static readonly int HighIndex = (int)Math.Floor(Math.Log(MaxMs) / LogGamma);

    private int[]? _counts;
    private long _zeros;

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public double Min { get; private set; } = double.NaN;

    public double Max { get; private set; } = double.NaN;

    public void Record(double ms)
    {
        if (double.IsNaN(ms))
        {
            return;
        }

        Count++;
        Sum += Math.Max(0, ms);
        Min = double.IsNaN(Min) ? Math.Max(0, ms) : Math.Min(Min, Math.Max(0, ms));
        Max = double.IsNaN(Max) ? Math.Max(0, ms) : Math.Max(Max, ms);
        if (ms < MinMs)
        {
            _zeros++;
            return;
        }

        _counts ??= new int[HighIndex - LowIndex + 1];
        var index = Math.Min(HighIndex, (int)Math.Floor(Math.Log(ms) / LogGamma));
        _counts[index - LowIndex]++;
    }

    /// <summary>The median as <see cref="LogHistogram.Percentile"/> gives it (within 1 %), or NaN when empty. Allocates: read it once, at the end.</summary>
    public double Median => Count == 0 ? double.NaN : LogHistogram.FromData(ToData()).Percentile(50);

    public HistogramData ToData()
    {
        var data = new HistogramData { Count = Count, Sum = Sum, Zeros = _zeros, Min = Count == 0 ? null : Min, Max = Count == 0 ? null : Max };
        if (_counts is { } counts)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] > 0)
                {
                    data.Buckets[i + LowIndex] = counts[i];
                }
            }
        }

        return data;
    }
}
