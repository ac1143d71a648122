namespace CallBot.Load.Quality;

/// <summary>
/// The render time a renderer with an adaptive playout (jitter) buffer would give each received frame, in the spirit of
/// libwebrtc's receiver (modules/video_coding/timing: VCMTiming, JitterEstimator), reduced to what decides a freeze:
/// <code>render = max(arrival, timeline time + delay)</code>
/// <list type="bullet">
/// <item>Timeline time: the frame's RTP timestamp mapped to the local clock through the smallest transit seen so far
/// (arrival − RTP time), i.e. anchored to the earliest arrivals. A frame that came by that fastest path is on time; its
/// lateness is how much later than that it came. libwebrtc maps RTP to local time with a Kalman-filtered extrapolator
/// that also follows clock drift; the minimum does not, which over a call of minutes (100 ppm is 6 ms a minute) stays
/// well under the delays that matter here.</item>
/// <item>Delay: grows at once to a frame's lateness when the frame comes later than the delay covers (libwebrtc raises
/// its current delay by a late frame's lateness, and its target gains one round trip once frames have needed NACK
/// repeatedly, JitterEstimator's nack limit of 3 with the RTT multiplier — the lateness of a retransmitted frame). The
/// late frame itself is shown when it comes, so the first one may freeze; those after it are absorbed.</item>
/// <item>The delay falls by <see cref="DecayPerSecond"/> of stream time (libwebrtc's kDelayMaxChangeMsPerS: VCMTiming
/// never moves its current delay faster than 100 ms per second). That is the fastest libwebrtc lowers it — its target
/// holds the round trip for as long as NACKs keep coming (a minute's timeout) and its jitter variance forgets over
/// hundreds of frames — so this model forgets lateness at least as fast as Chromium and counts at least as many
/// freezes from it: a conservative stand-in, not a fitted one.</item>
/// <item>The delay never exceeds <see cref="MaxDelay"/>. libwebrtc's own ceilings are far out (10 s for the jitter
/// estimate and the playout delay), but its target is jitter plus one round trip and never nears them in a call. The
/// bound is this model's: 500 ms is above a retransmission lost once more at the loss table's 100 ms round trip (two
/// round trips plus the NACK wait), so it cuts nothing the model is for, while a stall longer than it (a second of
/// frames held up) still freezes however much lateness came before.</item>
/// </list>
/// Frames missing from the stream (lost, skipped until a keyframe) leave a gap in the timeline that no delay fills,
/// so they freeze here as on the timeline clock. A render time is never earlier than the previous one (a frame that
/// would be due before the one shown last is shown right after it). Not fitted to any measured figure.
/// Allocation-free per frame; not thread-safe (one receive path feeds it).
/// </summary>
public sealed class PlayoutClock
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>How much of its delay the clock gives up per second of stream time (VCMTiming's kDelayMaxChangeMsPerS).</summary>
    public static readonly TimeSpan DecayPerSecond = TimeSpan.FromMilliseconds(100);

    private readonly long _arrivalFrequency;
    private readonly int _clockRate;
    private readonly long _maxDelayTicks;
    private bool _started;
    private long _originRtp;
    private long _lastRtp;
    private long _lastTimeline;
    private long _offset;
    private long _delay;
    private long _lastRender = long.MinValue;

    /// <param name="arrivalFrequency">Ticks per second of the arrival (and render) timestamps.</param>
    /// <param name="clockRate">The RTP clock rate of the stream.</param>
    public PlayoutClock(long arrivalFrequency, int clockRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(arrivalFrequency);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clockRate);
        _arrivalFrequency = arrivalFrequency;
        _clockRate = clockRate;
        _maxDelayTicks = (long)(MaxDelay.TotalSeconds * arrivalFrequency);
    }

    /// <summary>The delay frames are held by now (after the last frame).</summary>
    public TimeSpan Delay => TimeSpan.FromTicks((long)((Int128)_delay * TimeSpan.TicksPerSecond / _arrivalFrequency));

    /// <summary>
    /// The render time (in arrival ticks) of a frame complete at <paramref name="arrival"/> with the unwrapped RTP
    /// timestamp <paramref name="rtpTimestamp"/>; frames come in decode order.
    /// </summary>
    public long OnFrame(long arrival, long rtpTimestamp)
    {
        if (!_started || rtpTimestamp <= _lastRtp)
        {
            // First frame, or a timeline that does not move forward (a sender that restarted its RTP clock): anchor
            // anew on this frame. The delay learnt so far stays, as a renderer keeps its buffer across such a reset.
            _started = true;
            _originRtp = rtpTimestamp;
            _lastTimeline = 0;
            _offset = arrival;
        }

        _lastRtp = rtpTimestamp;
        var timeline = (long)((Int128)(rtpTimestamp - _originRtp) * _arrivalFrequency / _clockRate);
        _offset = Math.Min(_offset, arrival - timeline);

        // Wide arithmetic: an hour's pause on a nanosecond clock times the decay's ticks would overflow a long.
        var decay = (long)((Int128)(timeline - _lastTimeline) * DecayPerSecond.Ticks / TimeSpan.TicksPerSecond);
        _delay = Math.Max(0, _delay - decay);
        _lastTimeline = timeline;

        var due = timeline + _offset;
        var lateness = arrival - due;
        if (lateness > _delay)
        {
            _delay = Math.Min(lateness, _maxDelayTicks);
        }

        var render = Math.Max(Math.Max(arrival, due + _delay), _lastRender);
        _lastRender = render;
        return render;
    }
}
