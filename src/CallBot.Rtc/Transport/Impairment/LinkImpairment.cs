namespace CallBot.Rtc.Transport;

/// <summary>A window during which every datagram of a direction is dropped; <see cref="Start"/> is from the scheduler's epoch.</summary>
public readonly record struct BlackoutWindow(TimeSpan Start, TimeSpan Duration)
{
    public bool Contains(TimeSpan sinceEpoch) => sinceEpoch >= Start && sinceEpoch < Start + Duration;
}

/// <summary>
/// Impairment of one direction of a socket, netem-like but in process: random loss, a fixed delay plus uniform jitter,
/// reordering (a share of datagrams held back by <see cref="ReorderDelay"/> so later ones overtake them), a bandwidth
/// cap (token bucket of <see cref="BurstBytes"/>, FIFO queue; a datagram that would wait longer than
/// <see cref="MaxQueueDelay"/> is dropped, like a full router buffer) and blackout windows.
/// </summary>
public sealed record LinkImpairment
{
    public static readonly LinkImpairment None = new();

    /// <summary>Probability (0..1) that a datagram is lost.</summary>
    public double LossRate { get; init; }

    public TimeSpan Delay { get; init; }

    /// <summary>Each datagram's delay is <see cref="Delay"/> ± a uniform value up to this (never below zero).</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>
    /// When true (the default), jitter never lets a datagram overtake one sent before it in this direction: it leaves at
    /// the later of its own due time and the previous datagram's, as through a router queue whose delay varies. When
    /// false, every datagram's delay is drawn independently (Linux netem's jitter), so datagrams sent closer together
    /// than the jitter's spread arrive in random order. Reordering of its own is <see cref="ReorderRate"/>.
    /// </summary>
    public bool JitterKeepsOrder { get; init; } = true;

    /// <summary>Probability (0..1) that a datagram is held back by <see cref="ReorderDelay"/>.</summary>
    public double ReorderRate { get; init; }

    /// <summary>How long a reordered datagram is held back (default 10 ms).</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Link rate in kbit/s; 0 means unlimited.</summary>
    public int BandwidthKbps { get; init; }

    /// <summary>Token bucket depth: how many bytes may leave back to back at line rate (default 15 000 ≈ 10 full packets).</summary>
    public int BurstBytes { get; init; } = 15_000;

    /// <summary>Longest a datagram may wait for bandwidth before it is dropped (default 300 ms).</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    public IReadOnlyList<BlackoutWindow> Blackouts { get; init; } = [];

    /// <summary>True when this direction passes every datagram unchanged (the socket then skips all impairment work).</summary>
    public bool IsNone => LossRate <= 0 && Delay <= TimeSpan.Zero && Jitter <= TimeSpan.Zero && ReorderRate <= 0 && BandwidthKbps <= 0 && Blackouts.Count == 0;
}

/// <summary>Both directions: <see cref="Uplink"/> applies to what the socket sends, <see cref="Downlink"/> to what it receives.</summary>
public sealed record ImpairmentProfile(LinkImpairment Uplink, LinkImpairment Downlink)
{
    public static readonly ImpairmentProfile None = new(LinkImpairment.None, LinkImpairment.None);
}
