namespace CallBot.Load.Quality;

/// <summary>
/// Recovery after an impairment window: the time from the window's end until a stream's per-interval value (fps or
/// bitrate) is back to <see cref="Share"/> of the stream's own baseline, the median of its samples before the window began.
/// </summary>
public static class RecoveryTime
{
    public const double Share = 0.9;

    /// <param name="samples">(time since the stream started, value) in time order, e.g. one per second.</param>
    /// <returns>The recovery time, zero when the first sample after the window is already back, null when the stream never recovered or had no baseline.</returns>
    public static TimeSpan? Measure(IReadOnlyList<(TimeSpan At, double Value)> samples, TimeSpan windowStart, TimeSpan windowEnd)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var before = samples.Where(s => s.At < windowStart).Select(s => s.Value).Order().ToArray();
        if (before.Length == 0)
        {
            return null;
        }

        var baseline = before[before.Length / 2];
        foreach (var (at, value) in samples)
        {
            if (at >= windowEnd && value >= Share * baseline)
            {
                return at - windowEnd;
            }
        }

        return null;
    }
}
