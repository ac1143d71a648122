namespace CallBot.Load.Quality;

/// <summary>
/// Freezes and pauses of one received video stream by the W3C webrtc-stats definitions, fed with each frame's time on
/// one clock: its arrival (a renderer that shows frames as they come) or its RTP timestamp (the stream's own timeline, as
/// a recording plays it; <see cref="ReceivedVideoFreezes"/> keeps both). A freeze: the interval since the previous frame is ≥ max(3 × mean, mean + 150 ms), the mean taken over
/// the last <see cref="History"/> intervals before it. A pause: an interval over 5 s (counted as a pause, not a freeze;
/// webrtc-stats ties pauses to mute, which a receiver without signalling cannot see, so a long silence stands for it).
/// Allocation-free per frame (a fixed ring of intervals); not thread-safe (one receive path feeds it).
/// </summary>
public sealed class FrameRenderStats
{
    public const int History = 30;
    public static readonly TimeSpan PauseGap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FreezeMargin = TimeSpan.FromMilliseconds(150);

    // Intervals in timestamp ticks, summed exactly, so a gap right at the threshold is judged without rounding.
    private readonly long[] _intervals = new long[History];
    private readonly long _pauseTicks;
    private readonly long _marginTicks;
    private readonly long _frequency;
    private long _last = long.MinValue;
    private int _count;
    private int _next;
    private long _sum;

    public FrameRenderStats(long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _frequency = timestampFrequency;
        _pauseTicks = (long)(PauseGap.TotalSeconds * timestampFrequency);
        _marginTicks = (long)(FreezeMargin.TotalSeconds * timestampFrequency);
    }

    public long Frames { get; private set; }

    public int FreezeCount { get; private set; }

    public TimeSpan TotalFreezesDuration { get; private set; }

    public int PauseCount { get; private set; }

    public TimeSpan TotalPausesDuration { get; private set; }

    /// <summary>What was counted so far.</summary>
    public FreezeFigures Figures => new(FreezeCount, TotalFreezesDuration, PauseCount, TotalPausesDuration);

    /// <summary>Records a frame at <paramref name="timestamp"/> (in ticks of the frequency given at construction).</summary>
    public void OnFrame(long timestamp)
    {
        Frames++;
        if (_last == long.MinValue)
        {
            _last = timestamp;
            return;
        }

        var interval = timestamp - _last;
        if (interval <= 0)
        {
            // A timeline that does not move forward (the same RTP timestamp twice, a sender that restarted its
            // clock) says nothing about frame intervals: restart the measurement from here.
            _last = timestamp;
            return;
        }

        _last = timestamp;
        if (interval > _pauseTicks)
        {
            PauseCount++;
            TotalPausesDuration += ToTimeSpan(interval);
            return; // a pause is not part of the frame-rate history
        }

        if (_count > 0)
        {
            // interval ≥ max(3·mean, mean + 150 ms), multiplied through by the count.
            if (interval * _count >= Math.Max(3 * _sum, _sum + (_marginTicks * _count)))
            {
                FreezeCount++;
                TotalFreezesDuration += ToTimeSpan(interval);
            }
        }

        if (_count == History)
        {
            _sum -= _intervals[_next];
        }
        else
        {
            _count++;
        }

        _intervals[_next] = interval;
        _sum += interval;
        _next = (_next + 1) % History;
    }

    // Integer arithmetic (wide enough for an hour-long pause at a nanosecond clock), so a duration is exact, not off by a tick.
    private TimeSpan ToTimeSpan(long ticks) => TimeSpan.FromTicks((long)((Int128)ticks * TimeSpan.TicksPerSecond / _frequency));
}

/// <summary>Freezes and pauses counted by a <see cref="FrameRenderStats"/>.</summary>
public readonly record struct FreezeFigures(int Freezes, TimeSpan FreezeDuration, int Pauses, TimeSpan PauseDuration);
