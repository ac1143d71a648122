using CallBot.Load.Quality;
using CallBot.TestSupport;

namespace CallBot.Load.Tests.Quality;

/// <summary>
/// The playout clock on synthetic 30 fps streams. Arrival is on the RTP clock's own 90 kHz ticks, so a frame on time
/// comes exactly 3,000 ticks after the one before and every interval is exact.
/// </summary>
public sealed class PlayoutClockTests
{
    private const int ClockRate = 90_000;
    private const int FrameTicks = 3000; // 30 fps
    private const int Ms = 90; // ticks per millisecond

    [Fact]
    public void A_steady_stream_has_no_playout_freezes_and_no_delay()
    {
        var stream = new Stream();
        stream.Frames(300);

        Assert.Equal(0, stream.Freezes.Playout.Freezes);
        Assert.Equal(TimeSpan.Zero, stream.Freezes.PlayoutDelay);
    }

    [Fact]
    public void A_late_frame_freezes_the_first_time_and_no_more_once_the_delay_has_adapted()
    {
        var stream = new Stream();
        stream.Frames(60);
        stream.Frame(lateMs: 200);
        stream.Frames(29);
        Assert.Equal(1, stream.Freezes.Playout.Freezes);

        // The same lateness once a second (a retransmitted frame at that pace): the delay learnt from the first covers
        // most of each, while shown on arrival every one of them is a freeze.
        for (var i = 0; i < 20; i++)
        {
            stream.Frame(lateMs: 200);
            stream.Frames(29);
        }

        Assert.Equal(1, stream.Freezes.Playout.Freezes);
        Assert.Equal(21, stream.Freezes.Arrival.Freezes);
        Assert.Equal(0, stream.Freezes.Timeline.Freezes);
    }

    [Fact]
    public void The_delay_falls_by_100_ms_per_second_of_stream()
    {
        var stream = new Stream();
        stream.Frames(60);
        stream.Frame(lateMs: 300);
        Assert.Equal(TimeSpan.FromMilliseconds(300), stream.Freezes.PlayoutDelay);

        stream.Frames(30); // one second on the stream's clock

        Assert.Equal(TimeSpan.FromMilliseconds(200), stream.Freezes.PlayoutDelay);
    }

    [Fact]
    public void A_second_of_missing_frames_freezes_however_much_delay_was_learnt()
    {
        var stream = new Stream();
        stream.Frames(60);
        for (var i = 0; i < 5; i++)
        {
            stream.Frame(lateMs: 200);
            stream.Frames(29);
        }

        var before = stream.Freezes.Playout.Freezes;
        stream.Skip(30); // lost, or dropped until the next keyframe
        stream.Frames(30);

        Assert.Equal(before + 1, stream.Freezes.Playout.Freezes);
        Assert.Equal(1, stream.Freezes.Timeline.Freezes);
    }

    [Fact]
    public void The_delay_never_exceeds_its_bound_so_a_second_long_stall_still_freezes()
    {
        var stream = new Stream();
        stream.Frames(60);
        stream.Frame(lateMs: 2000); // the frames behind it are held and follow at once
        Assert.Equal(PlayoutClock.MaxDelay, stream.Freezes.PlayoutDelay);
        stream.Frames(120);
        Assert.Equal(1, stream.Freezes.Playout.Freezes);

        stream.Frame(lateMs: 1000); // no frame missing: all of them a second late

        Assert.Equal(2, stream.Freezes.Playout.Freezes);
        Assert.True(stream.Freezes.PlayoutDelay <= PlayoutClock.MaxDelay, $"delay {stream.Freezes.PlayoutDelay}");
        Assert.Equal(0, stream.Freezes.Timeline.Freezes);
    }

    [Fact]
    public void Frames_all_late_by_the_same_constant_never_freeze()
    {
        var stream = new Stream();
        for (var i = 0; i < 300; i++)
        {
            stream.Frame(lateMs: 400);
        }

        Assert.Equal(0, stream.Freezes.Playout.Freezes);
        Assert.Equal(TimeSpan.Zero, stream.Freezes.PlayoutDelay);
    }

    [Fact]
    public void Frames_cost_no_allocation()
    {
        var stream = new Stream();
        stream.Frames(60);
        const int frames = 30_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < frames / 30; i++)
        {
            stream.Frame(lateMs: 150);
            stream.Frames(29);
        }

        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, frames, "ReceivedVideoFreezes.OnFrame (playout clock)");
    }

    /// <summary>
    /// A 30 fps sender and its frames at a receiver: each frame complete at its on-time arrival plus its lateness, but
    /// never before the frame ahead of it (frames are assembled in decode order, so those held behind a late frame
    /// follow it, a millisecond apart).
    /// </summary>
    private sealed class Stream
    {
        private long _index;
        private long _lastArrival = long.MinValue;

        public ReceivedVideoFreezes Freezes { get; } = new(ClockRate, ClockRate);

        public void Frame(int lateMs = 0)
        {
            var onTime = 1_000_000 + (_index * FrameTicks);
            var arrival = _lastArrival == long.MinValue ? onTime + (lateMs * Ms) : Math.Max(onTime + (lateMs * Ms), _lastArrival + Ms);
            Freezes.OnFrame(arrival, _index * FrameTicks);
            _lastArrival = arrival;
            _index++;
        }

        public void Frames(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Frame();
            }
        }

        /// <summary>Frames that never come.</summary>
        public void Skip(int count) => _index += count;
    }
}
