namespace CallBot.Load.Quality;

/// <summary>
/// Freezes and pauses of one received video stream by the W3C webrtc-stats definitions, fed with each assembled frame's
/// arrival time. A freeze: the interval since the previous frame is ≥ max(3 × mean, mean + 150 ms), the mean taken over
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

    /// <summary>Records a frame that arrived at <paramref name="timestamp"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void OnFrame(long timestamp)
    {
        Frames++;
        if (_last == long.MinValue)
        {
            _last = timestamp;
            return;
        }

        var interval = timestamp - _last;
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

    private TimeSpan ToTimeSpan(long ticks) => TimeSpan.FromSeconds((double)ticks / _frequency);
}
