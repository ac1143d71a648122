using System.Globalization;
using CallBot.Abstractions;

namespace CallBot.Load.Soak;

/// <summary>
/// Leak verdicts from soak samples: the ordinary least-squares slope of each resource over time, scaled to per hour,
/// compared with <see cref="SoakLimits"/>. Fewer than <see cref="MinSamples"/> samples give no verdict (passed, with a note).
/// With a steady window (the hold between ramp-up and ramp-down) only its samples count: memory rising while calls ramp
/// up, or sockets closing while they ramp down, is load changing, not a leak.
/// </summary>
/// <remarks>
/// Memory (RSS, GC heap) is fitted through its floor: the lowest sample of each <see cref="SoakLimits.FloorWindowSeconds"/>
/// window. A garbage-collected process climbs between full collections and drops at each one, so a fit of every sample
/// tilts with where the run happens to end within a cycle (±30 MB/h for a 200 MB, 10-minute sawtooth over 50 minutes),
/// while the memory left after collections is what a leak raises. With fewer than <see cref="MinFloors"/> windows, every
/// sample is fitted. The plain fit is kept in <see cref="SoakVerdict.AllSamplesSlopePerHour"/> either way.
/// </remarks>
public static class LeakAnalyzer
{
    public const int MinSamples = 3;
    public const int MinFloors = 3;
    private const string AllSamplesFit = "all samples";
    private const double BytesPerMb = 1024 * 1024;

    /// <summary>Slope of y over x by least squares; 0 for fewer than two distinct x.</summary>
    public static double Slope(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => LeastSquares.Slope(x, y) ?? 0;

    public static List<SoakVerdict> Analyze(IReadOnlyList<SoakSample> samples, SoakLimits limits, double? steadyFromSeconds = null, double? steadyToSeconds = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(limits);
        if (steadyFromSeconds is not null || steadyToSeconds is not null)
        {
            var steady = new List<SoakSample>(samples.Count);
            foreach (var sample in samples)
            {
                if (sample.OffsetSeconds >= (steadyFromSeconds ?? double.MinValue) && sample.OffsetSeconds <= (steadyToSeconds ?? double.MaxValue))
                {
                    steady.Add(sample);
                }
            }

            if (steady.Count >= MinSamples)
            {
                samples = steady;
            }
        }

        var hours = new double[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            hours[i] = samples[i].OffsetSeconds / 3600.0;
        }

        var floorWindowHours = limits.FloorWindowSeconds / 3600.0;
        return
        [
            Verdict("rss", "MB", hours, samples, s => s.RssBytes / BytesPerMb, limits.RssMbPerHour, floorWindowHours),
            Verdict("gc_heap", "MB", hours, samples, s => s.GcHeapBytes / BytesPerMb, limits.GcHeapMbPerHour, floorWindowHours),
            Verdict("threads", "threads", hours, samples, s => s.Threads, limits.ThreadsPerHour, floorWindowHours: null),
            Verdict("sockets", "sockets", hours, samples, s => s.Sockets, limits.SocketsPerHour, floorWindowHours: null),
        ];
    }

    /// <summary>
    /// The lowest point of each consecutive window of <paramref name="windowHours"/> from the first sample; a last window
    /// shorter than half of one is left out (its low point may not have come yet).
    /// </summary>
    public static (List<double> Hours, List<double> Values) Floors(IReadOnlyList<double> hours, IReadOnlyList<double> values, double windowHours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(windowHours, 0);
        var floorHours = new List<double>();
        var floorValues = new List<double>();
        var n = Math.Min(hours.Count, values.Count);
        if (n == 0)
        {
            return (floorHours, floorValues);
        }

        var start = hours[0];
        var end = hours[n - 1];
        var current = -1L;
        for (var i = 0; i < n; i++)
        {
            var window = (long)Math.Floor((hours[i] - start) / windowHours);
            if (start + (window * windowHours) + (windowHours / 2) > end)
            {
                break;
            }

            if (window != current)
            {
                current = window;
                floorHours.Add(hours[i]);
                floorValues.Add(values[i]);
            }
            else if (values[i] < floorValues[^1])
            {
                floorHours[^1] = hours[i];
                floorValues[^1] = values[i];
            }
        }

        return (floorHours, floorValues);
    }

    private static SoakVerdict Verdict(
        string resource, string unit, double[] hours, IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value, double limit, double? floorWindowHours)
    {
        if (samples.Count < MinSamples)
        {
            return new SoakVerdict { Resource = resource, Unit = unit, LimitPerHour = limit, Passed = true, Note = $"only {samples.Count} samples; no verdict below {MinSamples}" };
        }

        var y = new double[samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            y[i] = value(samples[i]);
        }

        var allSamples = Slope(hours, y);
        var slope = allSamples;
        var fit = AllSamplesFit;
        if (floorWindowHours is { } window)
        {
            var (floorHours, floorValues) = Floors(hours, y, window);
            if (floorValues.Count >= MinFloors)
            {
                slope = Slope([.. floorHours], [.. floorValues]);
                fit = string.Create(CultureInfo.InvariantCulture, $"floor per {window * 3600:0} s");
            }
        }

        var passed = slope <= limit;
        var verdict = passed ? "flat" : string.Create(CultureInfo.InvariantCulture, $"grows {slope:0.##} {unit}/h, above {limit:0.##}");
        var comparison = fit == AllSamplesFit ? "" : string.Create(CultureInfo.InvariantCulture, $"; all samples {allSamples:0.##} {unit}/h");
        return new SoakVerdict
        {
            Resource = resource,
            Unit = unit,
            SlopePerHour = Math.Round(slope, 4),
            Fit = fit,
            AllSamplesSlopePerHour = Math.Round(allSamples, 4),
            LimitPerHour = limit,
            Passed = passed,
            Note = $"{verdict} ({fit}{comparison})",
        };
    }
}
