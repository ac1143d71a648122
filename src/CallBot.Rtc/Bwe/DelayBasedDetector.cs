namespace CallBot.Rtc.Bwe;

/// <summary>
/// The delay-based half of GCC (draft-ietf-rmcat-gcc-02 §5, libwebrtc's goog_cc): packets are grouped into bursts
/// (sent within <see cref="TransportCcOptions.BurstInterval"/> of the group's first, or arriving in a burst), the
/// one-way delay variation between consecutive groups is accumulated and smoothed, a linear regression over the last
/// <see cref="TransportCcOptions.TrendlineWindow"/> points gives the delay trend, and an adaptive threshold turns the
/// trend into <see cref="BandwidthUsage"/>.
/// </summary>
/// <remarks>
/// <code>
///   d(i)      = (arrival(i) − arrival(i−1)) − (send(i) − send(i−1))      per group, ms
///   acc       = Σ d,   smoothed = 0.9 · smoothed + 0.1 · acc
///   trend     = slope of (arrival, smoothed) over the window × min(n, 60) × 4
///   trend &gt;  γ for &gt; 10 ms and 2 groups, still rising → Overusing
///   trend &lt; −γ → Underusing, else Normal
///   γ        += k · (|trend| − γ) · Δt,  k = 0.039 (|trend| &lt; γ) or 0.0087,  γ ∈ [6, 600]
/// </code>
/// Allocation-free after construction. Not thread-safe (the receive loop feeds it).
/// </remarks>
public sealed class DelayBasedDetector
{
    private const double SmoothingCoefficient = 0.9;
    private const double ThresholdGain = 4;
    private const int MaxDeltasForGain = 60;
    private const double OveruseTimeThresholdMs = 10;
    private const double ThresholdUp = 0.0087;
    private const double ThresholdDown = 0.039;
    private const double MaxAdaptOffsetMs = 15;
    private const double MaxThresholdUpdateMs = 100;
    private const double MinThreshold = 6;
    private const double MaxThreshold = 600;
    private const double InitialThreshold = 12.5;

    private readonly double _burstMs;
    private readonly double _ticksPerMs;
    private readonly double[] _windowX;
    private readonly double[] _windowY;

    // The group being filled and the last complete one (send times in ms of the sender's clock, arrivals in ms of the receiver's).
    private bool _hasGroup;
    private double _groupFirstSend;
    private double _groupLastSend;
    private double _groupLastArrival;
    private bool _hasPrevious;
    private double _previousSend;
    private double _previousArrival;

    private double _firstArrival = double.NaN;
    private double _accumulated;
    private double _smoothed;
    private int _windowCount;
    private int _windowNext;
    private int _deltas;

    private double _threshold = InitialThreshold;
    private double _lastThresholdUpdate = double.NaN;
    private double _timeOverusing = -1;
    private int _overuseCount;
    private double _previousTrend;

    public DelayBasedDetector(TransportCcOptions options, long timestampFrequency)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timestampFrequency, 0);
        _burstMs = options.BurstInterval.TotalMilliseconds;
        _ticksPerMs = timestampFrequency / 1000.0;
        _windowX = new double[options.TrendlineWindow];
        _windowY = new double[options.TrendlineWindow];
    }

    public BandwidthUsage State { get; private set; }

    /// <summary>The last modified trend (ms, compared with <see cref="Threshold"/>).</summary>
    public double Trend { get; private set; }

    public double Threshold => _threshold;

    /// <summary>One received packet, in transport sequence order: its send timestamp (TimeProvider) and arrival (µs, receiver clock).</summary>
    public void OnPacket(long sendTimestamp, long arrivalMicroseconds)
    {
        var send = sendTimestamp / _ticksPerMs;
        var arrival = arrivalMicroseconds / 1000.0;
        if (!_hasGroup)
        {
            StartGroup(send, arrival);
            return;
        }

        if (send < _groupFirstSend)
        {
            // Sent before the group started (reordered by the sender's threads): it tells nothing about this group.
            return;
        }

        if (send - _groupFirstSend <= _burstMs || BelongsToBurst(send, arrival))
        {
            _groupLastSend = Math.Max(_groupLastSend, send);
            _groupLastArrival = Math.Max(_groupLastArrival, arrival);
            return;
        }

        if (_hasPrevious)
        {
            var sendDelta = _groupLastSend - _previousSend;
            var arrivalDelta = _groupLastArrival - _previousArrival;
            UpdateTrend(arrivalDelta - sendDelta, sendDelta, _groupLastArrival);
        }

        _hasPrevious = true;
        _previousSend = _groupLastSend;
        _previousArrival = _groupLastArrival;
        StartGroup(send, arrival);
    }

    private void StartGroup(double send, double arrival)
    {
        _hasGroup = true;
        _groupFirstSend = send;
        _groupLastSend = send;
        _groupLastArrival = arrival;
    }

    // libwebrtc: packets arriving within a burst interval whose propagation delta is negative were queued together.
    private bool BelongsToBurst(double send, double arrival)
    {
        var arrivalDelta = arrival - _groupLastArrival;
        var propagationDelta = arrivalDelta - (send - _groupLastSend);
        return propagationDelta < 0 && arrivalDelta <= _burstMs && send - _groupFirstSend < 100;
    }

    private void UpdateTrend(double delayVariation, double sendDelta, double arrival)
    {
        _deltas = Math.Min(_deltas + 1, 1000);
        if (double.IsNaN(_firstArrival))
        {
            _firstArrival = arrival;
        }

        _accumulated += delayVariation;
        _smoothed = (SmoothingCoefficient * _smoothed) + ((1 - SmoothingCoefficient) * _accumulated);
        _windowX[_windowNext] = arrival - _firstArrival;
        _windowY[_windowNext] = _smoothed;
        _windowNext = (_windowNext + 1) % _windowX.Length;
        _windowCount = Math.Min(_windowCount + 1, _windowX.Length);
        var trend = _previousTrend;
        if (_windowCount == _windowX.Length && Slope() is { } slope)
        {
            trend = Math.Min(_deltas, MaxDeltasForGain) * slope * ThresholdGain;
        }

        Detect(trend, sendDelta, arrival);
    }

    // The window is full when this is called, so the ring's order does not matter to the fit.
    private double? Slope() => LeastSquares.Slope(_windowX.AsSpan(0, _windowCount), _windowY.AsSpan(0, _windowCount));

    private void Detect(double trend, double sendDelta, double now)
    {
        Trend = trend;
        if (_deltas < 2)
        {
            State = BandwidthUsage.Normal;
            return;
        }

        if (trend > _threshold)
        {
            _timeOverusing = _timeOverusing < 0 ? sendDelta / 2 : _timeOverusing + sendDelta;
            _overuseCount++;
            if (_timeOverusing > OveruseTimeThresholdMs && _overuseCount > 1 && trend >= _previousTrend)
            {
                _timeOverusing = 0;
                _overuseCount = 0;
                State = BandwidthUsage.Overusing;
            }
        }
        else if (trend < -_threshold)
        {
            _timeOverusing = -1;
            _overuseCount = 0;
            State = BandwidthUsage.Underusing;
        }
        else
        {
            _timeOverusing = -1;
            _overuseCount = 0;
            State = BandwidthUsage.Normal;
        }

        _previousTrend = trend;
        AdaptThreshold(trend, now);
    }

    private void AdaptThreshold(double trend, double now)
    {
        if (double.IsNaN(_lastThresholdUpdate))
        {
            _lastThresholdUpdate = now;
        }

        var magnitude = Math.Abs(trend);
        if (magnitude > _threshold + MaxAdaptOffsetMs)
        {
            // A spike (a route change, a paused sender) must not drag the threshold along.
            _lastThresholdUpdate = now;
            return;
        }

        var k = magnitude < _threshold ? ThresholdDown : ThresholdUp;
        var elapsed = Math.Min(now - _lastThresholdUpdate, MaxThresholdUpdateMs);
        _threshold = Math.Clamp(_threshold + (k * (magnitude - _threshold) * elapsed), MinThreshold, MaxThreshold);
        _lastThresholdUpdate = now;
    }
}
