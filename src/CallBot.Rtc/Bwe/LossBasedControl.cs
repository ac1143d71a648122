namespace CallBot.Rtc.Bwe;

/// <summary>
/// GCC's loss-based controller (draft-ietf-rmcat-gcc-02 §6) on the loss transport-cc feedback reports: over a window
/// of at least <see cref="MinPacketsPerDecision"/> packets, loss &gt; 10 % → estimate × (1 − loss / 2) (at most once per
/// 300 ms + RTT), loss &lt; 2 % → grow 8 % per second, otherwise hold.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class LossBasedControl
{
    public const int MinPacketsPerDecision = 20;
    private const double DecreaseLoss = 0.10;
    private const double IncreaseLoss = 0.02;
    private static readonly TimeSpan DecreaseInterval = TimeSpan.FromMilliseconds(300);

    private readonly TransportCcOptions _options;
    private readonly TimeProvider _time;
    private long _lastUpdate = long.MinValue;
    private long _lastDecrease = long.MinValue;
    private int _lost;
    private int _total;

    public LossBasedControl(TransportCcOptions options, TimeProvider time)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        EstimateBitsPerSecond = options.StartBitrateKbps * 1000L;
    }

    public long EstimateBitsPerSecond { get; private set; }

    /// <summary>Loss of the last complete window (0..1).</summary>
    public double LossFraction { get; private set; }

    /// <summary>A probe measured what the path carries: the loss-based estimate starts from it too (else it would hold the estimate at its own 8 %/s).</summary>
    public void SetEstimate(long bitsPerSecond) =>
        EstimateBitsPerSecond = (long)Math.Clamp(bitsPerSecond, _options.MinBitrateKbps * 1000.0, _options.MaxBitrateKbps * 1000.0);

    /// <summary>One feedback's packets: how many were reported and how many of them lost; <paramref name="ceiling"/> = the delay-based estimate.</summary>
    public long Update(int reported, int lost, long ceiling, TimeSpan roundTripTime)
    {
        var now = _time.GetTimestamp();
        _total += reported;
        _lost += lost;
        var elapsed = _lastUpdate == long.MinValue ? TimeSpan.Zero : _time.GetElapsedTime(_lastUpdate, now);
        if (_total >= MinPacketsPerDecision)
        {
            LossFraction = (double)_lost / _total;
            _total = 0;
            _lost = 0;
            var estimate = (double)EstimateBitsPerSecond;
            if (LossFraction < IncreaseLoss)
            {
                estimate *= Math.Pow(_options.GrowthPerSecond, Math.Min(elapsed.TotalSeconds, 1.0));
                _lastUpdate = now;
            }
            else if (LossFraction > DecreaseLoss
                && (_lastDecrease == long.MinValue || _time.GetElapsedTime(_lastDecrease, now) >= DecreaseInterval + roundTripTime))
            {
                estimate *= 1 - (LossFraction / 2);
                _lastDecrease = now;
                _lastUpdate = now;
            }
            else
            {
                _lastUpdate = now;
            }

            EstimateBitsPerSecond = (long)Math.Clamp(estimate, _options.MinBitrateKbps * 1000.0, _options.MaxBitrateKbps * 1000.0);
        }
        else if (_lastUpdate == long.MinValue)
        {
            _lastUpdate = now;
        }

        // Without loss the delay-based estimate leads: the loss-based one never sits above it (it could not be taken back quickly).
        EstimateBitsPerSecond = Math.Min(EstimateBitsPerSecond, Math.Max(ceiling, _options.MinBitrateKbps * 1000L));
        return EstimateBitsPerSecond;
    }
}
