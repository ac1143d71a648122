namespace CallBot.Rtc.Bwe;

/// <summary>
/// Receive-side bandwidth estimate for REMB: the incoming rate measured from byte counts between two updates (arrival
/// time on the connection's <see cref="TimeProvider"/>), moved by the interval's fraction lost as GCC's loss-based
/// controller does, and capped by <see cref="MaxBitrateKbps"/> (the call's maxBandwidth).
/// </summary>
/// <remarks>
/// <code>
///   start         →  estimate = Max (no constraint until loss is seen)
///   loss &gt; 10%   →  estimate = incoming × (1 − loss / 2)      (decrease)
///   loss &lt;  2%   →  estimate = estimate × 1.08^Δt             (grow back)
///   otherwise    →  hold
///   then          estimate = clamp(estimate, Min, cap or Max)
/// </code>
/// No per-packet work: <see cref="Update"/> runs on the RTCP report timer with the stream's byte counter.
/// </remarks>
public sealed class ReceiveBandwidthEstimator
{
    private readonly ReceiveBandwidthEstimatorOptions _options;
    private readonly TimeProvider _time;
    private long _lastUpdate = long.MinValue;
    private long _lastBytes;
    private long _estimate;

    public ReceiveBandwidthEstimator(TimeProvider time, ReceiveBandwidthEstimatorOptions? options = null)
    {
        _time = time;
        _options = options ?? new ReceiveBandwidthEstimatorOptions();
        _estimate = _options.InitialBitsPerSecond ?? _options.MaxBitsPerSecond;
    }

    /// <summary>The cap in kbit/s (0 = none); applies at the next <see cref="Update"/> and to <see cref="EstimateBitsPerSecond"/> now.</summary>
    public int MaxBitrateKbps { get; set; }

    /// <summary>The current estimate, capped.</summary>
    public long EstimateBitsPerSecond => Clamp(_estimate);

    /// <summary>The incoming rate measured at the last update (bits/s).</summary>
    public long IncomingBitsPerSecond { get; private set; }

    /// <summary>Feeds the stream's total received bytes and the RFC 3550 fraction lost (0..255) of the interval; returns the estimate.</summary>
    public long Update(long totalBytesReceived, byte fractionLost)
    {
        var now = _time.GetTimestamp();
        if (_lastUpdate == long.MinValue)
        {
            _lastUpdate = now;
            _lastBytes = totalBytesReceived;
            return EstimateBitsPerSecond;
        }

        var seconds = _time.GetElapsedTime(_lastUpdate, now).TotalSeconds;
        if (seconds <= 0)
        {
            return EstimateBitsPerSecond;
        }

        IncomingBitsPerSecond = (long)(Math.Max(0, totalBytesReceived - _lastBytes) * 8 / seconds);
        _lastUpdate = now;
        _lastBytes = totalBytesReceived;

        var loss = fractionLost / 256.0;
        if (loss > _options.DecreaseLossFraction)
        {
            _estimate = (long)(IncomingBitsPerSecond * (1 - (loss / 2)));
        }
        else if (loss < _options.IncreaseLossFraction)
        {
            _estimate = (long)Math.Min(_options.MaxBitsPerSecond, _estimate * Math.Pow(_options.GrowthPerSecond, seconds));
        }

        _estimate = Clamp(_estimate);
        return _estimate;
    }

    private long Clamp(long bitsPerSecond)
    {
        var max = MaxBitrateKbps > 0 ? Math.Min(_options.MaxBitsPerSecond, MaxBitrateKbps * 1000L) : _options.MaxBitsPerSecond;
        return Math.Clamp(bitsPerSecond, Math.Min(_options.MinBitsPerSecond, max), max);
    }
}
