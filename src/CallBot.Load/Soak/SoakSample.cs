namespace CallBot.Load.Soak;

/// <summary>One periodic measurement of the process.</summary>
public sealed class SoakSample
{
    public double OffsetSeconds { get; set; }

    public long RssBytes { get; set; }

    public long GcHeapBytes { get; set; }

    /// <summary>
    /// Memory the GC held from the OS at its last collection (live objects, garbage, free space); RSS minus this is native.
    /// 0 before the first collection.
    /// </summary>
    public long GcCommittedBytes { get; set; }

    public int Threads { get; set; }

    public int Sockets { get; set; }
}

/// <summary>
/// Allowed growth per hour; a least-squares slope above a limit is a leak. Memory is fitted through the lowest sample of
/// each <paramref name="FloorWindowSeconds"/> window (see <see cref="LeakAnalyzer"/>).
/// </summary>
public sealed record SoakLimits(
    double RssMbPerHour = 20, double GcHeapMbPerHour = 20, double ThreadsPerHour = 5, double SocketsPerHour = 10, double FloorWindowSeconds = 600);

public sealed class SoakVerdict
{
    public string Resource { get; set; } = "";

    public string Unit { get; set; } = "";

    public double SlopePerHour { get; set; }

    /// <summary>What the slope was fitted to: "floor per 600 s" (lowest sample of each window) or "all samples".</summary>
    public string Fit { get; set; } = "all samples";

    /// <summary>The plain least-squares slope of every sample in the window, shown next to a floor fit for comparison.</summary>
    public double AllSamplesSlopePerHour { get; set; }

    public double LimitPerHour { get; set; }

    public bool Passed { get; set; }

    public string Note { get; set; } = "";
}

public sealed class SoakReport
{
    public string Shard { get; set; } = "";

    public double IntervalSeconds { get; set; }

    /// <summary>The verdicts' window (sample offsets, seconds): the hold between ramp-up and ramp-down; null = every sample.</summary>
    public double? SteadyFromSeconds { get; set; }

    public double? SteadyToSeconds { get; set; }

    public List<SoakSample> Samples { get; set; } = [];

    public List<SoakVerdict> Verdicts { get; set; } = [];

    public bool Passed { get; set; }
}
