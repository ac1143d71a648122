namespace CallBot.Rtc.Bwe;

/// <summary>
/// Settings of the transport-cc stage: how often we send feedback as a receiver, and the send-side estimator
/// (<see cref="SendSideBandwidthEstimator"/>, GCC: draft-ietf-rmcat-gcc-02 and libwebrtc's goog_cc) as a sender.
/// </summary>
public sealed class TransportCcOptions
{
    public const int DefaultMaxPacketsPerFeedback = 1024;

    /// <summary>How often feedback goes out while packets arrive (libwebrtc: 50–250 ms; the RTCP timer rounds up to its 20 ms tick).</summary>
    public TimeSpan FeedbackInterval { get; init; } = TimeSpan.FromMilliseconds(60);

    /// <summary>At most this many sequence numbers in one feedback packet (the rest go in the next one; older ones are given up).</summary>
    public int MaxPacketsPerFeedback { get; init; } = DefaultMaxPacketsPerFeedback;

    /// <summary>The estimate before any feedback (the renditions ladder starts from it).</summary>
    public int StartBitrateKbps { get; init; } = 1_500;

    /// <summary>Never estimate below this.</summary>
    public int MinBitrateKbps { get; init; } = 50;

    /// <summary>Never estimate above this.</summary>
    public int MaxBitrateKbps { get; init; } = 20_000;

    /// <summary>What audio keeps of the estimate before the rest is shared by the video streams.</summary>
    public int AudioAllowanceKbps { get; init; } = 64;

    /// <summary>Packets in one group of the inter-arrival filter: sent within this span of the group's first (GCC §5.2, 5 ms bursts).</summary>
    public TimeSpan BurstInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Samples of the trendline filter's linear regression (libwebrtc: 20).</summary>
    public int TrendlineWindow { get; init; } = 20;

    /// <summary>On overuse the estimate drops to this fraction of the acknowledged rate (GCC β = 0.85).</summary>
    public double DecreaseFactor { get; init; } = 0.85;

    /// <summary>Multiplicative growth per second far from the last congestion point (GCC η = 1.08).</summary>
    public double GrowthPerSecond { get; init; } = 1.08;

    /// <summary>The pacer sends video at this multiple of its target bitrate (libwebrtc: 2.5): frames leave as short trains, not bursts.</summary>
    public double PacingFactor { get; init; } = 2.5;

    /// <summary>How often the pacer refills its budget and sends what it allows (libwebrtc: 5 ms).</summary>
    public TimeSpan PacingInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Video packets the pacer holds at most; beyond it a packet is sent at once (counted), never dropped.</summary>
    public int MaxPacedPackets { get; init; } = 512;

    /// <summary>
    /// Whether the send side probes the path (<see cref="ProbeController"/>): the start, recovery after a drop,
    /// application-limited periods. Off by default until it is shown end to end: its bot↔bot test through a changing
    /// bottleneck recovered only to 812 kbit/s of 2.5 Mbit/s in 10 s (one run, load ~52), and its probe packets change
    /// packet counts the media-path tests rely on. The simulated-link tests (<c>ProbingTests</c>) turn it on.
    /// </summary>
    public bool Probing { get; init; }

    /// <summary>No probe cluster is sent faster than this (libwebrtc's default probing limit: 5 Mbit/s).</summary>
    public int MaxProbeBitrateKbps { get; init; } = 5_000;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a setting out of range (checked when the connection is constructed).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(FeedbackInterval, TimeSpan.FromMilliseconds(10), nameof(FeedbackInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FeedbackInterval, TimeSpan.FromSeconds(1), nameof(FeedbackInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPacketsPerFeedback, 16, nameof(MaxPacketsPerFeedback));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPacketsPerFeedback, TransportArrivalRecorder.Capacity, nameof(MaxPacketsPerFeedback));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBitrateKbps, 10, nameof(MinBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBitrateKbps, MinBitrateKbps, nameof(MaxBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfLessThan(StartBitrateKbps, MinBitrateKbps, nameof(StartBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(StartBitrateKbps, MaxBitrateKbps, nameof(StartBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxProbeBitrateKbps, MinBitrateKbps, nameof(MaxProbeBitrateKbps));
        ArgumentOutOfRangeException.ThrowIfNegative(AudioAllowanceKbps, nameof(AudioAllowanceKbps));
        ArgumentOutOfRangeException.ThrowIfLessThan(BurstInterval, TimeSpan.Zero, nameof(BurstInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BurstInterval, TimeSpan.FromMilliseconds(100), nameof(BurstInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrendlineWindow, 2, nameof(TrendlineWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TrendlineWindow, 1000, nameof(TrendlineWindow));
        if (PacingFactor is < 1 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(PacingFactor), PacingFactor, "Must be in [1, 10].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PacingInterval, TimeSpan.FromMilliseconds(1), nameof(PacingInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(PacingInterval, TimeSpan.FromMilliseconds(100), nameof(PacingInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPacedPackets, 16, nameof(MaxPacedPackets));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPacedPackets, 8192, nameof(MaxPacedPackets));
        if (DecreaseFactor is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DecreaseFactor), DecreaseFactor, "Must be in (0, 1).");
        }

        if (GrowthPerSecond is <= 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(GrowthPerSecond), GrowthPerSecond, "Must be in (1, 2].");
        }
    }
}
