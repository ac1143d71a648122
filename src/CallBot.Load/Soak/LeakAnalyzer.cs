namespace CallBot.Load.Soak;

/// <summary>
/// Leak verdicts from soak samples: the ordinary least-squares slope of each resource over time, scaled to per hour,
/// compared with <see cref="SoakLimits"/>. Fewer than <see cref="MinSamples"/> samples give no verdict (passed, with a note).
/// With a steady window (the hold between ramp-up and ramp-down) only its samples count: memory rising while calls ramp
/// up, or sockets closing while they ramp down, is load changing, not a leak.
/// </summary>
public static class LeakAnalyzer
{
    public const int MinSamples = 3;
    private const double BytesPerMb = 1024 * 1024;

    /// <summary>Slope of y over x by least squares; 0 for fewer than two distinct x.</summary>
    public static double Slope(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var n = Math.Min(x.Count, y.Count);
        if (n < 2)
        {
            return 0;
        }

        double meanX = 0, meanY = 0;
        for (var i = 0; i < n; i++)
        {
            meanX += x[i];
            meanY += y[i];
        }

        meanX /= n;
        meanY /= n;
        double sxy = 0, sxx = 0;
        for (var i = 0; i < n; i++)
        {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
        }

        return sxx == 0 ? 0 : sxy / sxx;
    }

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

        return
        [
            Verdict("rss", "MB", hours, samples, s => s.RssBytes / BytesPerMb, limits.RssMbPerHour),
            Verdict("gc_heap", "MB", hours, samples, s => s.GcHeapBytes / BytesPerMb, limits.GcHeapMbPerHour),
            Verdict("threads", "threads", hours, samples, s => s.Threads, limits.ThreadsPerHour),
            Verdict("sockets", "sockets", hours, samples, s => s.Sockets, limits.SocketsPerHour),
        ];
    }

    private static SoakVerdict Verdict(string resource, string unit, double[] hours, IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value, double limit)
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

        var slope = Slope(hours, y);
        return new SoakVerdict
        {
            Resource = resource,
            Unit = unit,
            SlopePerHour = Math.Round(slope, 4),
            LimitPerHour = limit,
            Passed = slope <= limit,
            Note = slope <= limit ? "flat" : $"grows {slope:0.##} {unit}/h, above {limit:0.##}",
        };
    }
}
