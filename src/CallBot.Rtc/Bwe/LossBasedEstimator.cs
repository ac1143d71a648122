namespace CallBot.Rtc.Bwe;

/// <summary>
/// The loss-based estimate, modelled on libwebrtc's LossBasedBweV2 (modules/congestion_controller/goog_cc/
/// loss_based_bwe_v2.cc, its built-in defaults; our own code). The channel is two parameters: an <em>inherent loss</em>
/// that does not depend on the rate (a lossy radio or relay) and a <em>loss-limited bandwidth</em> B above which every
/// extra bit is lost (a policer, a full queue): a packet sent at rate r is lost with probability
/// p = inherent + (1 − inherent) × max(0, r − B) / r. Transport-cc feedback is cut into observations of ≥ 250 ms of send
/// time (packets, lost packets, sending rate); the last 20 are kept, weighted 0.9^age. Each observation, a few candidate
/// B (1.02, 1 and 0.95 × the current one, the acknowledged rate, the delay-based estimate) each get their inherent loss
/// from one Newton step of the maximum-likelihood fit, and the candidate with the highest log-likelihood (plus a small
/// bias towards higher rates while the average loss is under 15 %, towards lower ones above it) becomes the new B.
/// </summary>
/// <remarks>
/// <para>
/// Why: loss that does not grow with the sending rate is fitted as inherent loss and does not cut the rate (GCC's old
/// rule, × (1 − loss/2) whenever a window's loss exceeds 10 %, took a true 10 % random loss to the minimum), while loss
/// that appears only above a rate is fitted as B. The inherent loss a B may explain is bounded by
/// 5 % + 75 kbit/s ÷ B (17.5 % at 600 kbit/s, 10 % at 1.5 Mbit/s), so a high loss must still cost rate. An instant upper
/// bound, 75 kbit/s ÷ (average loss − 5 %) (500 kbit/s at 20 %, 1.5 Mbit/s at 10 %), caps the result at once while the
/// likelihood catches up.
/// </para>
/// <para>
/// The result is min(B, instant upper bound, the delay-based estimate), never below
/// <see cref="TransportCcOptions.MinBitrateKbps"/>. While it is at the delay-based estimate
/// (<see cref="LossBasedState.DelayBased"/>), the estimate follows the delay-based one between observations too
/// (libwebrtc keeps the value of the last observation until the next one). While loss limits it, B rises at most 1.3 ×
/// per 300 ms (libwebrtc's MaxIncreaseFactor, DelayedIncreaseWindow), and not at all while the average loss exceeds what
/// the fitted channel predicts at the rates sent (libwebrtc compares with the inherent loss alone: see Estimate). Before
/// 3 observations (~750 ms) the delay-based estimate alone (libwebrtc runs its legacy loss control there, which acts only
/// above 10 % loss). Not modelled, as they are off in libwebrtc's defaults: hold periods, padding while increasing,
/// byte-weighted loss, ramp-up acceleration, the acknowledged-rate bounds (BwRampupUpperBoundFactor is 10⁶).
/// </para>
/// <para>Fixed arrays: nothing is allocated per feedback. Not thread-safe (the receive loop feeds it).</para>
/// </remarks>
public sealed class LossBasedEstimator
{
    /// <summary>Observations kept (libwebrtc's ObservationWindowSize).</summary>
    public const int ObservationWindow = 20;

    /// <summary>Observations before the loss-based estimate is used (MinNumObservations).</summary>
    public const int MinObservations = 3;

    /// <summary>Send time one observation covers at least (ObservationDurationLowerBound).</summary>
    public static readonly TimeSpan ObservationDuration = TimeSpan.FromMilliseconds(250);

    private const double TemporalWeightFactor = 0.9;
    private const double InstantUpperBoundTemporalWeightFactor = 0.9;
    private const double InstantUpperBoundBandwidthBalance = 75_000;
    private const double InstantUpperBoundLossOffset = 0.05;
    private const double InherentLossLowerBound = 1e-3;
    private const double InherentLossUpperBoundBandwidthBalance = 75_000;
    private const double InherentLossUpperBoundOffset = 0.05;
    private const double InitialInherentLoss = 0.01;
    private const double NewtonStepSize = 0.75;
    private const double HigherBandwidthBiasFactor = 0.0002;
    private const double HigherLogBandwidthBiasFactor = 0.02;
    private const double LossThresholdOfHighBandwidthPreference = 0.15;
    private const double BandwidthPreferenceSmoothingFactor = 0.002;
    private const double MaxIncreaseFactor = 1.3;
    private const double CongestionControllerMinBitrate = 5_000;
    private const int MaxCandidates = 5;

    private static readonly TimeSpan DelayedIncreaseWindow = TimeSpan.FromMilliseconds(300);
    private static readonly double[] CandidateFactors = [1.02, 1.0, 0.95];
    private static readonly double[] TemporalWeights = Powers(TemporalWeightFactor);
    private static readonly double[] InstantWeights = Powers(InstantUpperBoundTemporalWeightFactor);

    private readonly TimeProvider _time;
    private readonly double _min;
    private readonly double _max;
    private readonly long _observationTicks;
    private readonly long _delayedIncreaseTicks;

    // Observation k (0-based, counted from the first) sits in slot k % ObservationWindow.
    private readonly int[] _packets = new int[ObservationWindow];
    private readonly int[] _lostPackets = new int[ObservationWindow];
    private readonly double[] _sendingRates = new double[ObservationWindow];
    private readonly double[] _candidates = new double[MaxCandidates];
    private int _observations;
    private int _partialPackets;
    private int _partialLost;
    private long _partialBytes;
    private long _lastObservationSendTime = long.MinValue;

    private double _bandwidth;
    private double _inherentLoss = InitialInherentLoss;
    private double _instantUpperBound;
    private double _result;
    private double _windowLimit = double.NaN;
    private long _recoveringSince = long.MinValue;

    public LossBasedEstimator(TransportCcOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _min = options.MinBitrateKbps * 1000.0;
        _max = options.MaxBitrateKbps * 1000.0;
        _observationTicks = (long)(ObservationDuration.TotalSeconds * time.TimestampFrequency);
        _delayedIncreaseTicks = (long)(DelayedIncreaseWindow.TotalSeconds * time.TimestampFrequency);
        _bandwidth = options.StartBitrateKbps * 1000.0;
        _result = _bandwidth;
        _instantUpperBound = _max;
        EstimateBitsPerSecond = options.StartBitrateKbps * 1000L;
    }

    /// <summary>The loss-based estimate after the last feedback: the delay-based one unless loss limits it.</summary>
    public long EstimateBitsPerSecond { get; private set; }

    /// <summary>The reported loss over the observations (0..1), weighted 0.9^age by packets; 0 before the first.</summary>
    public double LossFraction { get; private set; }

    /// <summary>The fitted loss that does not depend on the rate (0..1).</summary>
    public double InherentLoss => _inherentLoss;

    /// <summary>The fitted rate above which packets are lost (B), bit/s; may sit above the delay-based estimate.</summary>
    public long LossLimitedBitsPerSecond => (long)_bandwidth;

    public LossBasedState State { get; private set; }

    /// <summary>Observations so far.</summary>
    public int Observations => _observations;

    /// <summary>The estimate was set from outside (a probe measured the path): B starts from it (libwebrtc's SetBandwidthEstimate).</summary>
    public void SetEstimate(long bitsPerSecond)
    {
        _bandwidth = Math.Clamp(bitsPerSecond, _min, _max);
        _result = _bandwidth;
        State = LossBasedState.DelayBased;
        EstimateBitsPerSecond = (long)_bandwidth;
    }

    /// <summary>
    /// One feedback's packets (received and lost, in sequence order); <paramref name="ceiling"/> = the delay-based estimate,
    /// <paramref name="ackedBitsPerSecond"/> what the receiver acknowledged (a candidate unless
    /// <paramref name="applicationLimited"/>: then it says what the encoder sent, not what the path carries). Returns the estimate.
    /// </summary>
    public long Update(ReadOnlySpan<SentPacketResult> packets, long ceiling, long? ackedBitsPerSecond, bool applicationLimited)
    {
        var delayBased = Math.Max(ceiling, (long)_min);
        if (!packets.IsEmpty && PushObservation(packets))
        {
            Estimate(delayBased, applicationLimited ? null : ackedBitsPerSecond);
        }

        EstimateBitsPerSecond = _observations < MinObservations || State == LossBasedState.DelayBased
            ? delayBased
            : (long)Math.Min(_result, delayBased);
        return EstimateBitsPerSecond;
    }

    // Observations in the window, and where the one of a given age (0 = the latest) sits.
    private int Kept => Math.Min(_observations, ObservationWindow);

    private int Slot(int age) => (_observations - 1 - age) % ObservationWindow;

    private static double[] Powers(double factor)
    {
        var weights = new double[ObservationWindow];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = Math.Pow(factor, i);
        }

        return weights;
    }

    // libwebrtc's GetLossProbability: the inherent loss, plus the share of the rate above B; never exactly 0 or 1 (logs).
    private static double LossProbability(double inherentLoss, double bandwidth, double sendingRate)
    {
        var p = inherentLoss;
        if (sendingRate > bandwidth)
        {
            p += (1 - inherentLoss) * (sendingRate - bandwidth) / sendingRate;
        }

        return Math.Clamp(p, 1e-6, 1 - 1e-6);
    }

    // Positive (prefer higher rates) while the loss is under 15 %, negative above, smooth across it.
    private static double AdjustBias(double loss, double factor) =>
        factor * (LossThresholdOfHighBandwidthPreference - loss)
            / (BandwidthPreferenceSmoothingFactor + Math.Abs(LossThresholdOfHighBandwidthPreference - loss));

    private bool PushObservation(ReadOnlySpan<SentPacketResult> packets)
    {
        long first = long.MaxValue, last = long.MinValue;
        foreach (var packet in packets)
        {
            _partialPackets++;
            _partialBytes += packet.Size;
            if (!packet.Received)
            {
                _partialLost++;
            }

            first = Math.Min(first, packet.SendTimestamp);
            last = Math.Max(last, packet.SendTimestamp);
        }

        if (_lastObservationSendTime == long.MinValue)
        {
            _lastObservationSendTime = first;
        }

        var duration = last - _lastObservationSendTime;
        if (duration <= 0 || duration < _observationTicks)
        {
            return false;
        }

        _lastObservationSendTime = last;
        var slot = _observations % ObservationWindow;
        _packets[slot] = _partialPackets;
        _lostPackets[slot] = _partialLost;
        _sendingRates[slot] = _partialBytes * 8.0 * _time.TimestampFrequency / duration;
        _observations++;
        _partialPackets = 0;
        _partialLost = 0;
        _partialBytes = 0;

        LossFraction = AverageReportedLoss();
        _instantUpperBound = LossFraction > InstantUpperBoundLossOffset
            ? InstantUpperBoundBandwidthBalance / (LossFraction - InstantUpperBoundLossOffset)
            : _max;
        return true;
    }

    private double AverageReportedLoss()
    {
        double packets = 0, lost = 0;
        for (var age = 0; age < Kept; age++)
        {
            var slot = Slot(age);
            packets += InstantWeights[age] * _packets[slot];
            lost += InstantWeights[age] * _lostPackets[slot];
        }

        return packets > 0 ? lost / packets : 0;
    }

    private void Estimate(double delayBased, long? acked)
    {
        var lossLimited = State != LossBasedState.DelayBased;
        var count = Candidates(delayBased, acked, lossLimited);
        var bestBandwidth = _bandwidth;
        var bestLoss = _inherentLoss;
        var bestObjective = double.MinValue;
        for (var i = 0; i < count; i++)
        {
            var bandwidth = _candidates[i];
            var loss = NewtonStep(bandwidth, FeasibleInherentLoss(_inherentLoss, bandwidth));
            var objective = Objective(bandwidth, loss);
            if (objective > bestObjective)
            {
                bestObjective = objective;
                bestBandwidth = bandwidth;
                bestLoss = loss;
            }
        }

        // More loss than the fitted channel explains: not the time to raise the rate. libwebrtc compares with the
        // inherent loss alone, which is the same while the sender keeps to the estimate; a sender above it (one
        // pre-encoded rendition cannot follow the estimate down) would otherwise lock B under its rate for good: B under
        // the rate fits an inherent loss near 0, so every increase would be refused though the loss seen is far less
        // than such a B predicts.
        if (bestBandwidth > _bandwidth && LossFraction > PredictedLoss(bestBandwidth, bestLoss))
        {
            bestBandwidth = _bandwidth;
        }

        if (lossLimited)
        {
            if (_recoveringSince != long.MinValue && _lastObservationSendTime - _recoveringSince < _delayedIncreaseTicks && bestBandwidth > _windowLimit)
            {
                bestBandwidth = _windowLimit;
            }
        }

        var bounded = Math.Max(_min, Math.Min(Math.Min(bestBandwidth, _instantUpperBound), delayBased));
        var previous = _result;
        _bandwidth = bestBandwidth;
        _inherentLoss = bestLoss;
        State = bounded < delayBased && bounded < _max
            ? (IncreasingWhenLossLimited(previous, bounded) ? LossBasedState.Increasing : LossBasedState.Decreasing)
            : LossBasedState.DelayBased;
        _result = bounded;

        // While loss limits, B rises at most 1.3 × per 300 ms of send time, from where it was when each window began.
        if (State != LossBasedState.DelayBased
            && (_recoveringSince == long.MinValue || _lastObservationSendTime - _recoveringSince > _delayedIncreaseTicks))
        {
            _windowLimit = Math.Max(CongestionControllerMinBitrate, _bandwidth * MaxIncreaseFactor);
            _recoveringSince = _lastObservationSendTime;
        }
    }

    private bool IncreasingWhenLossLimited(double before, double after) =>
        State != LossBasedState.DelayBased && (before < after || (before == after && State == LossBasedState.Increasing));

    private int Candidates(double delayBased, long? acked, bool lossLimited)
    {
        var count = 0;
        foreach (var factor in CandidateFactors)
        {
            _candidates[count++] = factor * _bandwidth;
        }

        if (acked is { } rate)
        {
            _candidates[count++] = rate;
        }

        if (delayBased > _bandwidth)
        {
            _candidates[count++] = delayBased;
        }

        var upper = lossLimited && !double.IsNaN(_windowLimit) ? _windowLimit : _max;
        for (var i = 0; i < count; i++)
        {
            _candidates[i] = Math.Min(_candidates[i], Math.Max(_bandwidth, upper));
        }

        return count;
    }

    private static double FeasibleInherentLoss(double loss, double bandwidth)
    {
        var upper = bandwidth <= 0 ? 1 : Math.Min(1, InherentLossUpperBoundOffset + (InherentLossUpperBoundBandwidthBalance / bandwidth));
        return Math.Min(Math.Max(loss, InherentLossLowerBound), upper);
    }

    // One Newton step on the inherent loss (libwebrtc: NewtonIterations 1, step 0.75; its derivatives treat p as the
    // variable, which is exact where the rate is under B and a steeper step above it).
    private double NewtonStep(double bandwidth, double inherentLoss)
    {
        double first = 0, second = 0;
        for (var age = 0; age < Kept; age++)
        {
            var slot = Slot(age);
            var p = LossProbability(inherentLoss, bandwidth, _sendingRates[slot]);
            var lost = _lostPackets[slot];
            var received = _packets[slot] - lost;
            first += TemporalWeights[age] * ((lost / p) - (received / (1 - p)));
            second -= TemporalWeights[age] * ((lost / (p * p)) + (received / ((1 - p) * (1 - p))));
        }

        if (second >= 0)
        {
            second = -1e-6; // cannot happen with packets; guards the division
        }

        return FeasibleInherentLoss(inherentLoss - (NewtonStepSize * first / second), bandwidth);
    }

    // The loss the channel (inherent loss, B) predicts for the observations' rates, weighted as the reported loss is.
    private double PredictedLoss(double bandwidth, double inherentLoss)
    {
        double packets = 0, lost = 0;
        for (var age = 0; age < Kept; age++)
        {
            var slot = Slot(age);
            packets += InstantWeights[age] * _packets[slot];
            lost += InstantWeights[age] * _packets[slot] * LossProbability(inherentLoss, bandwidth, _sendingRates[slot]);
        }

        return packets > 0 ? lost / packets : inherentLoss;
    }

    private double Objective(double bandwidth, double inherentLoss)
    {
        var kbps = bandwidth / 1000;
        var bias = (AdjustBias(LossFraction, HigherBandwidthBiasFactor) * kbps)
            + (AdjustBias(LossFraction, HigherLogBandwidthBiasFactor) * Math.Log(1 + kbps));
        var objective = 0.0;
        for (var age = 0; age < Kept; age++)
        {
            var slot = Slot(age);
            var p = LossProbability(inherentLoss, bandwidth, _sendingRates[slot]);
            var lost = _lostPackets[slot];
            var received = _packets[slot] - lost;
            objective += TemporalWeights[age] * ((lost * Math.Log(p)) + (received * Math.Log(1 - p)) + (bias * _packets[slot]));
        }

        return objective;
    }
}
