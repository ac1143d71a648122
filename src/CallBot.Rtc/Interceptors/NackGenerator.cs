using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Generic NACK generation for one receive stream (RFC 4585 §6.2.1), as libwebrtc's NackRequester: a sequence number the
/// jitter buffer waits for is asked for the first time at the first <see cref="Collect"/> after it went missing (the
/// nack stage has the connection run its RTCP writer at once when a packet reveals a new gap, not at the next timer
/// tick), then again — its retransmission or the NACK itself may have been lost — no sooner than one round trip plus
/// <see cref="RetryMargin"/> after the last ask (never sooner than <c>retryInterval</c>, which is also the spacing while
/// the round trip is unknown), at most <see cref="MaxRetries"/> times, and while the jitter buffer still waits for it
/// (<see cref="GapWait"/> is how long that is). Every ask spends one token of a bucket refilled at
/// <see cref="MaxRequestsPerSecond"/> (burst <see cref="MaxBurst"/>), which caps both the NACK bitrate and the
/// retransmission bitrate it can cause. Called from the RTCP writer (a timer tick or an early run), receive lock held.
/// </summary>
/// <remarks>Fixed memory: retry state for <see cref="MaxTracked"/> sequence numbers (a ring); nothing allocated per call.</remarks>
public sealed class NackGenerator
{
    /// <summary>Tries per sequence number before giving up on it (Chrome's kMaxNackRetries).</summary>
    public const int MaxRetries = 10;

    /// <summary>Sequence numbers asked for per second at most, first asks and retries together.</summary>
    public const int MaxRequestsPerSecond = 400;

    /// <summary>Sequence numbers one tick may ask for after a quiet period (a burst loss, e.g. part of a key frame).</summary>
    public const int MaxBurst = 64;

    /// <summary>Sequence numbers whose retry state is kept (more than the jitter buffer ever waits for at once).</summary>
    public const int MaxTracked = 1024;

    /// <summary>Added to the round trip before a retry: the retransmission's own pacing and jitter.</summary>
    public static readonly TimeSpan RetryMargin = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// NACK rounds a gap is waited for (<see cref="GapWait"/>). A round fails when the NACK or the retransmission is lost:
    /// p_r = 1 − (1 − p)² at random loss p each way (9.75 % at 5 %, 19 % at 10 %, 36 % at 20 %), so a gap outlives k rounds
    /// with p_r^k: k = 1 (the old 1.5 RTT + 50 ms wait) gave up 19 % of gaps at 10 % loss, each one a lost frame, a
    /// keyframe request and the frames until it arrives; k = 4 leaves 0.009 % / 0.13 % / 1.7 % at 5 / 10 / 20 % (a
    /// 600 kbit/s stream at 10 % loses ~7 packets a second: one unrepaired gap every two minutes instead of 80 a minute).
    /// Waiting a further round costs ~RTT of held frames only for a gap that would otherwise cost a keyframe round trip
    /// (≥ RTT plus the keyframe's own transmission) anyway; the cost is a packet that never comes (history expired, a
    /// number that was never media such as a lost ULPFEC packet), held the whole wait. libwebrtc keeps asking up to
    /// <see cref="MaxRetries"/> times and its frame buffer does not give up on a timer; the <see cref="GapWaitCap"/>
    /// keeps the worst case bounded.
    /// </summary>
    public const int GapWaitRounds = 4;

    /// <summary>The longest gap wait whatever the round trip (at 100 ms RTT four rounds take 540 ms; from ~215 ms RTT fewer fit).</summary>
    public static readonly TimeSpan GapWaitCap = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Added once to the rounds: the first NACK's own delay (the early RTCP run, or the next 20 ms tick when that was
    /// missed), the sender's time to answer, and jitter.
    /// </summary>
    public static readonly TimeSpan GapWaitMargin = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _time;
    private readonly TimeSpan _retryInterval;
    private readonly ushort[] _found = new ushort[MaxTracked];
    private readonly ushort[] _sequence = new ushort[MaxTracked];
    private readonly byte[] _tries = new byte[MaxTracked];
    private readonly long[] _askedAt = new long[MaxTracked];
    private long _refilledAt = long.MinValue;
    private double _tokens = MaxBurst;

    /// <param name="retryInterval">The least time between two asks for one sequence number (and the spacing while the round trip is unknown).</param>
    public NackGenerator(TimeProvider time, TimeSpan retryInterval)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _retryInterval = retryInterval;
    }

    /// <summary>
    /// How long a gap can still be repaired by NACK, from the moment a packet revealed it: <see cref="GapWaitRounds"/>
    /// rounds — the k-th retransmission arrives about k round trips after the gap, plus, for each retry, the
    /// <see cref="RetryMargin"/> and up to one 20 ms timer tick (retries go out on the timer) — plus
    /// <see cref="GapWaitMargin"/> once; at most <see cref="GapWaitCap"/>. 540 ms at 100 ms RTT, 140 ms on a LAN.
    /// </summary>
    public static TimeSpan GapWait(TimeSpan roundTrip)
    {
        var retrySlack = RetryMargin + RtcpTimer.TickInterval;
        var wait = (roundTrip * GapWaitRounds) + (retrySlack * (GapWaitRounds - 1)) + GapWaitMargin;
        return wait < GapWaitCap ? wait : GapWaitCap;
    }

    /// <summary>The stream's round trip when known (set by the stage from the reports); null = retry every interval.</summary>
    public TimeSpan? RoundTripTime { get; set; }

    /// <summary>NACK packets produced (calls of <see cref="Collect"/> that returned sequence numbers).</summary>
    public long NacksSent { get; private set; }

    /// <summary>Sequence numbers asked for, retries included.</summary>
    public long Requested { get; private set; }

    /// <summary>Sequence numbers given up on after <see cref="MaxRetries"/> asks.</summary>
    public long Abandoned { get; private set; }

    /// <summary>Asks put off because the budget was spent (they are asked for at a later tick if still missing).</summary>
    public long Deferred { get; private set; }

    /// <summary>
    /// Writes the sequence numbers to NACK now into <paramref name="missing"/>: every number not asked for yet, and the
    /// retries that are due; returns how many (0 = send nothing now).
    /// </summary>
    public int Collect(RtpStreamReceiver receiver, Span<ushort> missing)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var now = _time.GetTimestamp();
        Refill(now);
        var found = receiver.GetMissing(_found);
        var retryAfter = RoundTripTime is { } rtt ? TimeSpan.FromTicks(Math.Max(rtt.Ticks + RetryMargin.Ticks, _retryInterval.Ticks)) : _retryInterval;
        var count = 0;
        for (var i = 0; i < found && count < missing.Length; i++)
        {
            var sequence = _found[i];
            var slot = sequence % MaxTracked;
            if (_sequence[slot] != sequence || _tries[slot] == 0)
            {
                _sequence[slot] = sequence;
                _tries[slot] = 0;
            }
            else if (_tries[slot] >= MaxRetries)
            {
                if (_tries[slot] == MaxRetries)
                {
                    _tries[slot] = MaxRetries + 1; // counted once
                    Abandoned++;
                }

                continue;
            }
            else if (_time.GetElapsedTime(_askedAt[slot], now) < retryAfter)
            {
                continue;
            }

            if (_tokens < 1)
            {
                Deferred++;
                continue;
            }

            _tokens--;
            _tries[slot]++;
            _askedAt[slot] = now;
            missing[count++] = sequence;
        }

        if (count > 0)
        {
            NacksSent++;
            Requested += count;
        }

        return count;
    }

    private void Refill(long now)
    {
        if (_refilledAt != long.MinValue)
        {
            _tokens = Math.Min(MaxBurst, _tokens + (_time.GetElapsedTime(_refilledAt, now).TotalSeconds * MaxRequestsPerSecond));
        }

        _refilledAt = now;
    }
}
