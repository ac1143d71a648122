namespace CallBot.Rtc.Bwe;

/// <summary>One probe cluster to send: at least <see cref="MinPackets"/> packets and <see cref="MinBytes"/> bytes at <see cref="BitsPerSecond"/>.</summary>
/// <param name="Id">Tags the cluster's packets in the send history, so their feedback can be told apart.</param>
public readonly record struct ProbeCluster(int Id, long BitsPerSecond, int MinPackets, int MinBytes);

/// <summary>
/// When to probe and how fast (libwebrtc's ProbeController, GCC's probing): AIMD grows the estimate by 8 % a second at
/// most, so a link that is wider than the estimate (the start of a call, a bottleneck that lifted) would take tens of
/// seconds to be used. A probe cluster sent at a higher rate measures in one round trip what the path carries
/// (<see cref="ProbeBitrateEstimator"/>); its result becomes the estimate.
/// </summary>
/// <remarks>
/// <para>Triggers: the first feedback (exponential start: 3 × then 6 × the start rate, and 2 × each result that reached
/// 70 % of its probe while they keep succeeding); a large drop (the estimate fell below 66 % of what it was) followed by
/// the detector back to Normal (the queue drained: the path may have recovered) → one probe at 85 % of the rate before
/// the drop, at most every <see cref="RecoveryProbeInterval"/> while the drop is less than <see cref="RecoveryWindow"/>
/// old (libwebrtc allows 5 s; a bottleneck that lifts 20 s later is the case the bandwidth step measures), probing
/// further while it succeeds; an
/// application-limited sender (the encoder's ladder, not the path, sets the rate; feedback then cannot show more) → 2 ×
/// the estimate every <see cref="AlrProbeInterval"/>; the application's maximum rising above the estimate (a higher
/// maxBandwidth or b=AS) → a probe at it.</para>
/// <para>Bounds: no probe above <see cref="TransportCcOptions.MaxProbeBitrateKbps"/>, 2 × the application's maximum,
/// or <see cref="TransportCcOptions.MaxBitrateKbps"/>; none that would not raise the estimate; at most
/// <see cref="MaxClustersPerWindow"/> clusters per <see cref="ClusterWindow"/> (more are counted in
/// <see cref="Suppressed"/>); a pending queue of <see cref="QueueCapacity"/>. Allocation-free. Not thread-safe (the
/// receive loop drives it with each feedback).</para>
/// </remarks>
public sealed class ProbeController
{
    public const double FirstExponentialScale = 3.0;
    public const double SecondExponentialScale = 6.0;
    public const double FurtherScale = 2.0;
    public const double FurtherThreshold = 0.7;
    public const double AlrScale = 2.0;
    public const double LargeDropRatio = 0.66;
    public const double RecoveryFraction = 0.85;
    public const int MinProbePackets = 5;
    public const int MaxClustersPerWindow = 6;
    public const int QueueCapacity = 4;

    /// <summary>Each cluster lasts at least this long at its rate (libwebrtc: 15 ms).</summary>
    public static readonly TimeSpan MinProbeDuration = TimeSpan.FromMilliseconds(15);

    /// <summary>Without a result this long after it was started, a probe is given up (libwebrtc: 1 s).</summary>
    public static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan AlrProbeInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RecoveryProbeInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RecoveryWindow = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan ClusterWindow = TimeSpan.FromSeconds(10);

    // A probe within this fraction of the estimate would not tell anything new (libwebrtc's kProbeUncertainty).
    private const double Uncertainty = 0.05;

    private readonly TimeProvider _time;
    private readonly long _startBps;
    private readonly long _maxProbeBps;
    private readonly bool _enabled;
    private readonly ProbeCluster[] _queue = new ProbeCluster[QueueCapacity];
    private readonly long[] _recentStarts = new long[MaxClustersPerWindow];
    private int _queueHead;
    private int _queueCount;
    private int _recentNext;
    private int _nextId;
    private State _state = State.Init;
    private long _estimate;
    private long _applicationMaxBps;
    private long _minToProbeFurther = long.MaxValue;
    private long _lastProbeStarted = long.MinValue;
    private long _lastRecoveryProbe = long.MinValue;
    private long _lastLargeDrop = long.MinValue;
    private long _beforeLargeDrop;
    private bool _recoveryPending;

    public ProbeController(TransportCcOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _enabled = options.Probing;
        _startBps = options.StartBitrateKbps * 1000L;
        _maxProbeBps = Math.Min(options.MaxProbeBitrateKbps, options.MaxBitrateKbps) * 1000L;
        _estimate = _startBps;
        Array.Fill(_recentStarts, long.MinValue);
    }

    private enum State
    {
        Init,
        WaitingForResult,
        Complete,
    }

    /// <summary>Clusters started so far.</summary>
    public long Clusters { get; private set; }

    /// <summary>Probes not started because <see cref="MaxClustersPerWindow"/> were already started within <see cref="ClusterWindow"/>, or the queue was full.</summary>
    public long Suppressed { get; private set; }

    /// <summary>Probes given up for want of a result within <see cref="ResultTimeout"/> (while further probing was awaited).</summary>
    public long TimedOut { get; private set; }

    /// <summary>The highest rate a probe may have now.</summary>
    public long MaxProbeBitsPerSecond => _applicationMaxBps > 0 ? Math.Min(_maxProbeBps, 2 * _applicationMaxBps) : _maxProbeBps;

    /// <summary>Takes the next cluster to send, if any.</summary>
    public bool TryTake(out ProbeCluster cluster)
    {
        if (_queueCount == 0)
        {
            cluster = default;
            return false;
        }

        cluster = _queue[_queueHead];
        _queueHead = (_queueHead + 1) % QueueCapacity;
        _queueCount--;
        return true;
    }

    /// <summary>Feedback arrived for the first time: media flows, the path answers. Starts the exponential probes once.</summary>
    public void OnTransportReady()
    {
        if (_state != State.Init)
        {
            return;
        }

        _state = State.Complete;
        var first = (long)(FirstExponentialScale * _startBps);
        var second = (long)(SecondExponentialScale * _startBps);
        Initiate(first, second, probeFurther: true);
    }

    /// <summary>The estimate after a feedback (or a probe result).</summary>
    public void OnEstimate(long bitsPerSecond)
    {
        var now = _time.GetTimestamp();
        if (bitsPerSecond < LargeDropRatio * _estimate)
        {
            // A drop in two steps (AIMD decreases at most once per RTT, from an acknowledged rate that lags) is one drop:
            // the rate before it is the highest one before either step.
            var recent = _lastLargeDrop != long.MinValue && _time.GetElapsedTime(_lastLargeDrop, now) < RecoveryWindow;
            _beforeLargeDrop = recent ? Math.Max(_beforeLargeDrop, _estimate) : _estimate;
            _lastLargeDrop = now;
        }

        _estimate = bitsPerSecond;
        if (_state == State.WaitingForResult && bitsPerSecond > _minToProbeFurther)
        {
            // The last probe was (nearly) carried in full: the path may carry more still.
            Initiate((long)(FurtherScale * bitsPerSecond), 0, probeFurther: true);
        }
    }

    /// <summary>
    /// The delay detector is back to Normal after overuse or underuse: if a large drop happened recently, the path may
    /// have recovered. Within <see cref="RecoveryProbeInterval"/> of the last recovery probe it is remembered, and
    /// <see cref="Process"/> probes once the interval is over if the detector is still Normal (a bottleneck that lifts
    /// just after a failed probe drains its queue once; the estimate then grows without another transition).
    /// </summary>
    public void OnRecoveredFromOveruse()
    {
        var now = _time.GetTimestamp();
        if (_lastLargeDrop == long.MinValue || _time.GetElapsedTime(_lastLargeDrop, now) >= RecoveryWindow)
        {
            _recoveryPending = false;
            return;
        }

        if (_state != State.Complete
            || (_lastRecoveryProbe != long.MinValue && _time.GetElapsedTime(_lastRecoveryProbe, now) < RecoveryProbeInterval))
        {
            _recoveryPending = true;
            return;
        }

        _recoveryPending = false;

        var suggested = (long)(RecoveryFraction * _beforeLargeDrop);
        if ((1 - Uncertainty) * suggested <= _estimate)
        {
            return;
        }

        _lastRecoveryProbe = now;
        Initiate(suggested, 0, probeFurther: true); // a path wider than before goes on at 2 × each result, as at the start
    }

    /// <summary>
    /// The most the application may send (maxBandwidth, the remote b=AS; 0 = none): probes stay below 2 × it, and a rise
    /// above the estimate is probed at once.
    /// </summary>
    public void SetApplicationMax(long bitsPerSecond)
    {
        var old = _applicationMaxBps;
        _applicationMaxBps = Math.Max(0, bitsPerSecond);
        if (_state == State.Complete && _applicationMaxBps > 0 && old > 0 && _applicationMaxBps > old && _estimate < _applicationMaxBps)
        {
            Initiate(_applicationMaxBps, 0, probeFurther: false);
        }
    }

    /// <summary>Periodic work, with each feedback: gives up on an overdue result; a pending recovery probe; probes an application-limited sender.</summary>
    /// <param name="applicationLimitedSince">When the sender became application-limited (a <see cref="TimeProvider"/> timestamp), or null.</param>
    /// <param name="detectorNormal">Whether the delay detector says Normal now (no queue building or draining).</param>
    public void Process(long? applicationLimitedSince, bool detectorNormal = false)
    {
        var now = _time.GetTimestamp();
        if (_recoveryPending && detectorNormal)
        {
            OnRecoveredFromOveruse();
        }

        if (_state == State.WaitingForResult && _time.GetElapsedTime(_lastProbeStarted, now) > ResultTimeout)
        {
            _state = State.Complete;
            _minToProbeFurther = long.MaxValue;
            TimedOut++;
        }

        if (_state != State.Complete || applicationLimitedSince is not { } since)
        {
            return;
        }

        var from = Math.Max(since, _lastProbeStarted);
        if (_time.GetElapsedTime(from, now) >= AlrProbeInterval)
        {
            Initiate((long)(AlrScale * _estimate), 0, probeFurther: true);
        }
    }

    private void Initiate(long first, long second, bool probeFurther)
    {
        if (!_enabled)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var max = MaxProbeBitsPerSecond;
        var last = 0L;
        foreach (var requested in (ReadOnlySpan<long>)[first, second])
        {
            if (requested <= 0)
            {
                continue;
            }

            var rate = requested;
            if (rate >= max)
            {
                rate = max;
                probeFurther = false;
            }

            if (rate <= (1 + Uncertainty) * _estimate || rate <= last)
            {
                continue; // it would not raise the estimate (the cap is at or below it)
            }

            if (!TryReserve(now))
            {
                Suppressed++;
                BweMetrics.ProbesSuppressed.Add(1);
                continue;
            }

            var minBytes = (int)Math.Ceiling(rate * MinProbeDuration.TotalSeconds / 8);
            _queue[(_queueHead + _queueCount) % QueueCapacity] = new ProbeCluster(_nextId++ & int.MaxValue, rate, MinProbePackets, minBytes);
            _queueCount++;
            Clusters++;
            last = rate;
        }

        // Even a probe that could not be sent counts as an attempt: the periodic triggers wait their interval again.
        _lastProbeStarted = now;
        if (probeFurther && last > 0)
        {
            _state = State.WaitingForResult;
            _minToProbeFurther = (long)(FurtherThreshold * last);
        }
        else
        {
            _state = State.Complete;
            _minToProbeFurther = long.MaxValue;
        }
    }

    /// <summary>A slot in the queue and in the window's cluster budget; false when either is full.</summary>
    private bool TryReserve(long now)
    {
        if (_queueCount == QueueCapacity)
        {
            return false;
        }

        var oldest = _recentStarts[_recentNext];
        if (oldest != long.MinValue && _time.GetElapsedTime(oldest, now) < ClusterWindow)
        {
            return false;
        }

        _recentStarts[_recentNext] = now;
        _recentNext = (_recentNext + 1) % MaxClustersPerWindow;
        return true;
    }
}
