using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// Generic NACK generation for one receive stream (RFC 4585 §6.2.1): the sequence numbers the jitter buffer still
/// waits for, at most once per <c>interval</c>. The interval is spent only when something is missing, so the first NACK
/// for a new gap goes out on the next timer tick. A sequence number is asked for again (its retransmission may have been
/// lost too) no sooner than one round trip plus <see cref="RetryMargin"/> after the last ask (every interval while the
/// round trip is unknown), at most <see cref="MaxRetries"/> times, and while the jitter buffer still waits for it.
/// Every ask spends one token of a bucket refilled at <see cref="MaxRequestsPerSecond"/> (burst <see cref="MaxBurst"/>),
/// which caps both the NACK bitrate and the retransmission bitrate it can cause. Timer thread, receive lock held.
/// </summary>
/// <remarks>Fixed memory: retry state for <see cref="MaxTracked"/> sequence numbers (a ring); nothing allocated per tick.</remarks>
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

    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ushort[] _found = new ushort[MaxTracked];
    private readonly ushort[] _sequence = new ushort[MaxTracked];
    private readonly byte[] _tries = new byte[MaxTracked];
    private readonly long[] _askedAt = new long[MaxTracked];
    private long _last = long.MinValue;
    private long _refilledAt = long.MinValue;
    private double _tokens = MaxBurst;

    public NackGenerator(TimeProvider time, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _interval = interval;
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

    /// <summary>Writes the sequence numbers to NACK into <paramref name="missing"/>; returns how many (0 = send nothing now).</summary>
    public int Collect(RtpStreamReceiver receiver, Span<ushort> missing)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var now = _time.GetTimestamp();
        if (_last != long.MinValue && _time.GetElapsedTime(_last, now) < _interval)
        {
            return 0;
        }

        Refill(now);
        var found = receiver.GetMissing(_found);
        var retryAfter = RoundTripTime is { } rtt ? TimeSpan.FromTicks(Math.Max(rtt.Ticks + RetryMargin.Ticks, _interval.Ticks)) : _interval;
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
            _last = now;
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
