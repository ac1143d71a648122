namespace CallBot.Rtc.Bwe;

/// <summary>
/// GCC's rate controller (draft-ietf-rmcat-gcc-02 §5.5, libwebrtc's AimdRateControl): Overusing → decrease to
/// β × the acknowledged rate (at most once per RTT), Underusing → hold (a queue drains), Normal → increase:
/// multiplicatively (η per second) far from the last congestion point, additively (about one packet per response time)
/// near it. An increase never goes past 1.5 × the acknowledged rate: an application-limited sender (a rendition
/// below the estimate) must not let the estimate float up to a rate the path was never shown to carry.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class AimdRateControl
{
    private const double MaxAckedOvershoot = 1.5;
    private const long AckedHeadroomBps = 10_000;
    private const double CapacitySmoothing = 0.05;

    private readonly TransportCcOptions _options;
    private readonly TimeProvider _time;
    private long _lastChange = long.MinValue;
    private long _lastDecrease = long.MinValue;
    private double _capacityKbps = double.NaN;
    private double _capacityVariance = 0.4;
    private State _state = State.Hold;

    public AimdRateControl(TransportCcOptions options, TimeProvider time)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        EstimateBitsPerSecond = options.StartBitrateKbps * 1000L;
    }

    private enum State
    {
        Hold,
        Increase,
        Decrease,
    }

    public long EstimateBitsPerSecond { get; private set; }

    /// <summary>Decreases so far (each a congestion event).</summary>
    public long Decreases { get; private set; }

    /// <summary>
    /// Whether the last increase was held back by the 1.5 × acknowledged-rate bound: the sender does not use the estimate,
    /// so feedback cannot show more (only a probe can). Cleared by an increase that was not held back, or a decrease.
    /// </summary>
    public bool LimitedByAcked { get; private set; }

    /// <summary>One update with the detector's state and the acknowledged rate (null until measured).</summary>
    public long Update(BandwidthUsage usage, long? ackedBitsPerSecond, TimeSpan roundTripTime)
    {
        var now = _time.GetTimestamp();
        _state = (usage, _state) switch
        {
            (BandwidthUsage.Overusing, _) => State.Decrease,
            (BandwidthUsage.Underusing, _) => State.Hold,
            (BandwidthUsage.Normal, State.Hold) => State.Increase,
            _ => _state,
        };

        var elapsed = _lastChange == long.MinValue ? TimeSpan.Zero : _time.GetElapsedTime(_lastChange, now);
        var estimate = (double)EstimateBitsPerSecond;
        switch (_state)
        {
            case State.Increase:
                if (ackedBitsPerSecond is { } acked && estimate > (MaxAckedOvershoot * acked) + AckedHeadroomBps)
                {
                    LimitedByAcked = true;
                    break;
                }

                LimitedByAcked = false;

                if (!double.IsNaN(_capacityKbps) && estimate / 1000 > _capacityKbps + (3 * CapacityDeviationKbps()))
                {
                    // Well past the last congestion point: the path changed, forget it.
                    _capacityKbps = double.NaN;
                }

                var seconds = Math.Min(elapsed.TotalSeconds, 1.0);
                estimate = double.IsNaN(_capacityKbps)
                    ? estimate * Math.Pow(_options.GrowthPerSecond, seconds)
                    : estimate + (AdditiveIncreasePerSecond(estimate, roundTripTime) * seconds);
                if (ackedBitsPerSecond is { } bound && estimate > (MaxAckedOvershoot * bound) + AckedHeadroomBps)
                {
                    estimate = Math.Max(EstimateBitsPerSecond, (MaxAckedOvershoot * bound) + AckedHeadroomBps);
                    LimitedByAcked = true;
                }

                break;

            case State.Decrease:
                var interval = TimeSpan.FromMilliseconds(Math.Clamp(roundTripTime.TotalMilliseconds, 10, 200));
                if (ackedBitsPerSecond is { } measured
                    && (_lastDecrease == long.MinValue || _time.GetElapsedTime(_lastDecrease, now) >= interval))
                {
                    estimate = Math.Min(estimate, _options.DecreaseFactor * measured);
                    UpdateCapacity(measured / 1000.0);
                    _lastDecrease = now;
                    Decreases++;
                    LimitedByAcked = false;
                }

                _state = State.Hold;
                break;
        }

        _lastChange = now;
        EstimateBitsPerSecond = (long)Math.Clamp(estimate, _options.MinBitrateKbps * 1000.0, _options.MaxBitrateKbps * 1000.0);
        return EstimateBitsPerSecond;
    }

    /// <summary>
    /// A probe measured what the path carries: that becomes the estimate (libwebrtc's SetEstimate). Increases resume from
    /// it; a last congestion point far below it is forgotten at the next increase (the path changed).
    /// </summary>
    public long SetEstimate(long bitsPerSecond)
    {
        _lastChange = _time.GetTimestamp();
        LimitedByAcked = false;
        _state = State.Hold;
        EstimateBitsPerSecond = (long)Math.Clamp(bitsPerSecond, _options.MinBitrateKbps * 1000.0, _options.MaxBitrateKbps * 1000.0);
        return EstimateBitsPerSecond;
    }

    /// <summary>Caps the estimate from outside (the loss-based controller decreased below it).</summary>
    public void LimitTo(long bitsPerSecond) => EstimateBitsPerSecond = Math.Min(EstimateBitsPerSecond, bitsPerSecond);

    private double CapacityDeviationKbps() => Math.Sqrt(_capacityVariance * _capacityKbps);

    private void UpdateCapacity(double ackedKbps)
    {
        if (double.IsNaN(_capacityKbps))
        {
            _capacityKbps = ackedKbps;
            return;
        }

        if (ackedKbps < _capacityKbps - (3 * CapacityDeviationKbps()))
        {
            _capacityKbps = ackedKbps;
            return;
        }

        _capacityKbps = ((1 - CapacitySmoothing) * _capacityKbps) + (CapacitySmoothing * ackedKbps);
        var normalized = Math.Pow(_capacityKbps - ackedKbps, 2) / Math.Max(_capacityKbps, 1);
        _capacityVariance = Math.Clamp(((1 - CapacitySmoothing) * _capacityVariance) + (CapacitySmoothing * normalized), 0.4, 2.5);
    }

    // About one packet per response time (RTT + 100 ms), packets sized as a 30 fps stream at this rate would send them.
    private static double AdditiveIncreasePerSecond(double estimate, TimeSpan roundTripTime)
    {
        const double MtuBits = 1200 * 8;
        var bitsPerFrame = estimate / 30;
        var packetsPerFrame = Math.Ceiling(bitsPerFrame / MtuBits);
        var packetBits = bitsPerFrame / Math.Max(packetsPerFrame, 1);
        var responseSeconds = (roundTripTime.TotalMilliseconds + 100) / 1000;
        return Math.Max(4000, packetBits / responseSeconds);
    }
}
