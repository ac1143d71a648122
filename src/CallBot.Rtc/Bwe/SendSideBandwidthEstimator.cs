namespace CallBot.Rtc.Bwe;

/// <summary>
/// The send-side estimate of one connection from transport-cc feedback (GCC, libwebrtc's goog_cc): each report's
/// packets feed the acknowledged-rate measurement and the <see cref="DelayBasedDetector"/>; the
/// <see cref="AimdRateControl"/> turns the detector's state into a delay-based estimate, the
/// <see cref="LossBasedControl"/> the reported loss into a loss-based one; the estimate is the lower of the two.
/// </summary>
/// <remarks>
/// Not done (issue 15): probing (initial and in ALR) — the estimate starts at <see cref="TransportCcOptions.StartBitrateKbps"/>
/// and grows by AIMD only. Application-limited periods: increases are capped at 1.5 × the acknowledged rate, and
/// <see cref="ApplicationLimitedDetector"/> (fed with every reported packet's send time and size) says when the sender
/// uses less than 65 % of the estimate (<see cref="ApplicationLimited"/>; where an ALR prober would probe).
/// Allocation-free per feedback. Not thread-safe (the receive loop feeds it).
/// </remarks>
public sealed class SendSideBandwidthEstimator
{
    private const double AckedWindowMs = 500;
    private const double InitialAckedWindowMs = 150;

    private readonly TimeProvider _time;
    private readonly DelayBasedDetector _detector;
    private readonly AimdRateControl _aimd;
    private readonly LossBasedControl _loss;
    private readonly ApplicationLimitedDetector _alr;
    private readonly TransportCcOptions _options;

    // Acknowledged rate: bytes received in a window of arrival time (receiver clock).
    private long _windowStart = long.MinValue;
    private long _windowBytes;
    private bool _firstWindowDone;

    public SendSideBandwidthEstimator(TransportCcOptions options, TimeProvider time)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _detector = new DelayBasedDetector(options, time.TimestampFrequency);
        _aimd = new AimdRateControl(options, time);
        _loss = new LossBasedControl(options, time);
        _alr = new ApplicationLimitedDetector(time);
        EstimateBitsPerSecond = options.StartBitrateKbps * 1000L;
        _alr.SetEstimate(EstimateBitsPerSecond);
    }

    /// <summary>The estimate: the lower of the delay- and loss-based ones.</summary>
    public long EstimateBitsPerSecond { get; private set; }

    /// <summary>The rate the receiver acknowledged over the last window (null until one window was measured).</summary>
    public long? AckedBitsPerSecond { get; private set; }

    public BandwidthUsage DelayState => _detector.State;

    public double LossFraction => _loss.LossFraction;

    public long DelayBasedBitsPerSecond => _aimd.EstimateBitsPerSecond;

    /// <summary>Whether the sender now uses less of the estimate than an unlimited one would (the encoder sets the rate).</summary>
    public bool ApplicationLimited => _alr.InRegion;

    /// <summary>Application-limited regions entered so far.</summary>
    public long ApplicationLimitedRegions => _alr.Regions;

    /// <summary>Congestion events so far (delay-based decreases).</summary>
    public long Decreases => _aimd.Decreases;

    /// <summary>The latest RTT from RTCP reports (response time of the controllers).</summary>
    public TimeSpan RoundTripTime { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>One transport-cc feedback's packets, matched with what we sent, in sequence order. Returns the estimate.</summary>
    public long OnFeedback(ReadOnlySpan<SentPacketResult> packets)
    {
        if (packets.IsEmpty)
        {
            return EstimateBitsPerSecond;
        }

        var lost = 0;
        foreach (var packet in packets)
        {
            _alr.OnSent(packet.Size, packet.SendTimestamp);
            if (!packet.Received)
            {
                lost++;
                continue;
            }

            MeasureAcked(packet.ArrivalMicroseconds, packet.Size);
            _detector.OnPacket(packet.SendTimestamp, packet.ArrivalMicroseconds);
        }

        var delayBased = _aimd.Update(_detector.State, AckedBitsPerSecond, RoundTripTime);
        var lossBased = _loss.Update(packets.Length, lost, delayBased, RoundTripTime);
        EstimateBitsPerSecond = Math.Clamp(Math.Min(delayBased, lossBased), _options.MinBitrateKbps * 1000L, _options.MaxBitrateKbps * 1000L);
        _alr.SetEstimate(EstimateBitsPerSecond);
        return EstimateBitsPerSecond;
    }

    private void MeasureAcked(long arrivalMicroseconds, int size)
    {
        if (_windowStart == long.MinValue || arrivalMicroseconds < _windowStart)
        {
            _windowStart = arrivalMicroseconds;
            _windowBytes = 0;
        }

        _windowBytes += size;
        var spanMs = (arrivalMicroseconds - _windowStart) / 1000.0;
        var windowMs = _firstWindowDone ? AckedWindowMs : InitialAckedWindowMs;
        if (spanMs >= windowMs)
        {
            AckedBitsPerSecond = (long)(_windowBytes * 8 * 1000 / spanMs);
            _firstWindowDone = true;
            _windowStart = arrivalMicroseconds;
            _windowBytes = 0;
        }
    }
}
