namespace CallBot.Rtc.Bwe;

/// <summary>
/// The send-side estimate of one connection from transport-cc feedback (GCC, libwebrtc's goog_cc): each report's
/// packets feed the acknowledged-rate measurement and the <see cref="DelayBasedDetector"/>; the
/// <see cref="AimdRateControl"/> turns the detector's state into a delay-based estimate, the
/// <see cref="LossBasedEstimator"/> (libwebrtc's LossBasedBweV2 model) the reported loss into a loss-based one, capped by
/// the delay-based one; the estimate is the lower of the two.
/// </summary>
/// <remarks>
/// Probing: the <see cref="ProbeController"/> decides when (the first feedback, recovery after a large drop, an
/// application-limited sender, a higher application maximum) and the caller sends the clusters it hands out
/// (<see cref="TryTakeProbe"/>, <see cref="ProbeSender"/>); the feedback of their packets gives the
/// <see cref="ProbeBitrateEstimator"/> a rate, which becomes the estimate unless the detector says overuse (never below
/// the lower of the current estimate and 85 % of the acknowledged rate, as libwebrtc). Application-limited periods:
/// increases are capped at 1.5 × the acknowledged rate, and <see cref="ApplicationLimitedDetector"/> (fed with every
/// reported packet's send time and size) says when the sender uses less than 65 % of the estimate; either makes the
/// sender application-limited for the prober (<see cref="ApplicationLimited"/>). A renditions ladder sits exactly there:
/// one step under the estimate, it pins the estimate at 1.5 × its rate, which never reaches the next step's need.
/// Allocation-free per feedback. Not thread-safe (the receive loop feeds it).
/// </remarks>
public sealed class SendSideBandwidthEstimator
{
    private const double AckedWindowMs = 500;
    private const double InitialAckedWindowMs = 150;

    // A probe result never sets the estimate below this share of the acknowledged rate (libwebrtc's kProbeDropThroughputFraction).
    private const double ProbeDropThroughputFraction = 0.85;

    private readonly TimeProvider _time;
    private readonly DelayBasedDetector _detector;
    private readonly AimdRateControl _aimd;
    private readonly LossBasedEstimator _loss;
    private readonly ApplicationLimitedDetector _alr;
    private readonly ProbeController _probes;
    private readonly ProbeBitrateEstimator _probeResults;
    private readonly TransportCcOptions _options;
    private long? _limitedSince;
    private bool _transportReady;

    // Acknowledged rate: bytes received in a window of arrival time (receiver clock).
    private long _windowStart = long.MinValue;
    private long _windowBytes;
    private long _lastArrival = long.MinValue;
    private bool _firstWindowDone;

    public SendSideBandwidthEstimator(TransportCcOptions options, TimeProvider time)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _detector = new DelayBasedDetector(options, time.TimestampFrequency);
        _aimd = new AimdRateControl(options, time);
        _loss = new LossBasedEstimator(options, time);
        _alr = new ApplicationLimitedDetector(time);
        _probes = new ProbeController(options, time);
        _probeResults = new ProbeBitrateEstimator(time);
        EstimateBitsPerSecond = options.StartBitrateKbps * 1000L;
        _alr.SetEstimate(EstimateBitsPerSecond);
    }

    /// <summary>The estimate: the lower of the delay- and loss-based ones.</summary>
    public long EstimateBitsPerSecond { get; private set; }

    /// <summary>The rate the receiver acknowledged over the last window (null until one window was measured).</summary>
    public long? AckedBitsPerSecond { get; private set; }

    public BandwidthUsage DelayState => _detector.State;

    /// <summary>Reported loss over the loss-based estimator's recent observations (0..1).</summary>
    public double LossFraction => _loss.LossFraction;

    /// <summary>The loss-based estimator: its fitted inherent loss, loss-limited rate and state.</summary>
    public LossBasedEstimator LossBased => _loss;

    public long DelayBasedBitsPerSecond => _aimd.EstimateBitsPerSecond;

    /// <summary>
    /// Whether the encoder, not the path, sets the rate now: the sender uses less than 65 % of the estimate, or the estimate
    /// cannot grow because the sender does not use it (held at 1.5 × the acknowledged rate).
    /// </summary>
    public bool ApplicationLimited => _limitedSince is not null;

    /// <summary>When probing starts, what it found (the controller and the result estimator).</summary>
    public ProbeController Probes => _probes;

    public ProbeBitrateEstimator ProbeResults => _probeResults;

    /// <summary>Probe results that set the estimate.</summary>
    public long ProbesApplied { get; private set; }

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

        var before = _detector.State;
        foreach (var packet in packets)
        {
            _alr.OnSent(packet.Size, packet.SendTimestamp); // probe padding too: a 15 ms cluster barely moves a 500 ms budget

            if (!packet.Received)
            {
                continue;
            }

            MeasureAcked(packet.ArrivalMicroseconds, packet.Size);
            _detector.OnPacket(packet.SendTimestamp, packet.ArrivalMicroseconds);
            _probeResults.OnPacket(packet);
        }

        long delayBased;
        if (_detector.State != BandwidthUsage.Overusing && _probeResults.TryTake(out var probed))
        {
            if (AckedBitsPerSecond is { } acked)
            {
                // A probe that came back low (cross traffic in its 15 ms) must not undercut what the receiver acknowledges.
                probed = Math.Max(probed, Math.Min(_aimd.EstimateBitsPerSecond, (long)(ProbeDropThroughputFraction * acked)));
            }

            delayBased = _aimd.SetEstimate(probed);
            _loss.SetEstimate(delayBased);
            ProbesApplied++;
        }
        else
        {
            delayBased = _aimd.Update(_detector.State, AckedForUpdate(), RoundTripTime);
        }

        var lossBased = _loss.Update(packets, delayBased, AckedBitsPerSecond, _alr.InRegion);
        EstimateBitsPerSecond = Math.Clamp(Math.Min(delayBased, lossBased), _options.MinBitrateKbps * 1000L, _options.MaxBitrateKbps * 1000L);
        _alr.SetEstimate(EstimateBitsPerSecond);
        UpdateProbing(before);
        return EstimateBitsPerSecond;
    }

    /// <summary>
    /// The most the application may send (maxBandwidth, the remote b=AS; 0 = none known): caps probes at twice it, and
    /// a rise above the estimate is probed.
    /// </summary>
    public void SetApplicationMax(long bitsPerSecond) => _probes.SetApplicationMax(bitsPerSecond);

    /// <summary>The next probe cluster to send, if one is due; the caller sends it (<see cref="ProbeSender"/>) with packets tagged with its id.</summary>
    public bool TryTakeProbe(out ProbeCluster cluster)
    {
        if (!_probes.TryTake(out cluster))
        {
            return false;
        }

        _probeResults.Register(cluster);
        return true;
    }

    private void UpdateProbing(BandwidthUsage before)
    {
        var limited = _alr.InRegion || _aimd.LimitedByAcked;
        if (!limited)
        {
            _limitedSince = null;
        }
        else
        {
            _limitedSince ??= _time.GetTimestamp();
        }

        if (!_transportReady)
        {
            _transportReady = true;
            _probes.OnTransportReady();
        }

        _probes.OnEstimate(EstimateBitsPerSecond);
        if (before != BandwidthUsage.Normal && _detector.State == BandwidthUsage.Normal)
        {
            _probes.OnRecoveredFromOveruse();
        }

        _probes.Process(_limitedSince, _detector.State == BandwidthUsage.Normal);
    }

    /// <summary>
    /// The acknowledged rate AIMD works from. While overusing, the arrivals of the window still being filled, once it spans
    /// <see cref="InitialAckedWindowMs"/>, when they are lower: a queue at the bottleneck makes them its rate, and the last
    /// whole window can predate a capacity drop by up to <see cref="AckedWindowMs"/>, so a decrease from it leaves the
    /// sender above the new capacity until the next window (in the bandwidth-step bench the 1 s queue filled meanwhile).
    /// </summary>
    private long? AckedForUpdate()
    {
        if (_detector.State != BandwidthUsage.Overusing || AckedBitsPerSecond is not { } acked || _windowStart == long.MinValue)
        {
            return AckedBitsPerSecond;
        }

        var spanMs = (_lastArrival - _windowStart) / 1000.0;
        return spanMs >= InitialAckedWindowMs ? Math.Min(acked, (long)(_windowBytes * 8 * 1000 / spanMs)) : acked;
    }

    private void MeasureAcked(long arrivalMicroseconds, int size)
    {
        if (_windowStart == long.MinValue || arrivalMicroseconds < _windowStart)
        {
            _windowStart = arrivalMicroseconds;
            _windowBytes = 0;
            _lastArrival = arrivalMicroseconds;
        }

        _windowBytes += size;
        _lastArrival = Math.Max(_lastArrival, arrivalMicroseconds);
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
