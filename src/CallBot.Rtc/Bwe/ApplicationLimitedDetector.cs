namespace CallBot.Rtc.Bwe;

/// <summary>
/// Application-limited region (ALR) detection, as libwebrtc's AlrDetector: a byte budget filled at
/// <see cref="UsageRatio"/> × the estimate and drained by what was really sent. When the sender leaves more than
/// <see cref="StartLevel"/> of a <see cref="Window"/>'s budget unused it is application-limited (the encoder, not the
/// path, sets the rate: a rendition below the estimate, a paused track); it is again when the unused part falls below
/// <see cref="StopLevel"/>. In that region feedback says nothing about capacity above the send rate, so the estimate
/// must not grow from it (and a prober would probe there).
/// </summary>
/// <remarks>Fed from transport-cc feedback (the sent packets it reports, in send order). Allocation-free. Not thread-safe.</remarks>
public sealed class ApplicationLimitedDetector
{
    /// <summary>The share of the estimate a sender that is not application-limited uses at least.</summary>
    public const double UsageRatio = 0.65;

    public const double StartLevel = 0.80;

    public const double StopLevel = 0.50;

    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);

    private readonly TimeProvider _time;
    private double _targetBytesPerSecond;
    private double _remainingBytes;
    private long _lastSend = long.MinValue;

    public ApplicationLimitedDetector(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Whether the sender is application-limited now.</summary>
    public bool InRegion { get; private set; }

    /// <summary>When the current region started (a <see cref="TimeProvider"/> timestamp), or null outside one.</summary>
    public long? RegionStartedAt { get; private set; }

    /// <summary>Regions entered so far.</summary>
    public long Regions { get; private set; }

    /// <summary>Unused budget as a share of one window's worth (−1..1).</summary>
    public double BudgetLevel => _targetBytesPerSecond <= 0 ? 0 : _remainingBytes / MaxBudgetBytes;

    private double MaxBudgetBytes => _targetBytesPerSecond * Window.TotalSeconds;

    /// <summary>The current estimate: the budget fills at <see cref="UsageRatio"/> of it.</summary>
    public void SetEstimate(long bitsPerSecond) => _targetBytesPerSecond = Math.Max(0, bitsPerSecond) * UsageRatio / 8;

    /// <summary>A packet of <paramref name="size"/> bytes left at <paramref name="sendTimestamp"/> (send order).</summary>
    public void OnSent(int size, long sendTimestamp)
    {
        if (_lastSend == long.MinValue)
        {
            _lastSend = sendTimestamp;
            return;
        }

        var elapsed = _time.GetElapsedTime(_lastSend, sendTimestamp);
        if (elapsed < TimeSpan.Zero)
        {
            elapsed = TimeSpan.Zero; // two producers stamp concurrently: a packet reported out of send order
        }

        _lastSend = Math.Max(_lastSend, sendTimestamp);

        // A long pause fills at most one window of budget (the window is what "recently unused" means).
        var max = MaxBudgetBytes;
        _remainingBytes = Math.Clamp(_remainingBytes + (_targetBytesPerSecond * Math.Min(elapsed.TotalSeconds, Window.TotalSeconds)) - size, -max, max);
        var level = BudgetLevel;
        if (!InRegion && level > StartLevel)
        {
            InRegion = true;
            RegionStartedAt = sendTimestamp;
            Regions++;
        }
        else if (InRegion && level < StopLevel)
        {
            InRegion = false;
            RegionStartedAt = null;
        }
    }
}
