using CallBot.Load.Quality;

namespace CallBot.Load.Tests.Quality;

public sealed class ReceivedVideoFreezesTests
{
    private const long ArrivalFrequency = 1000; // arrival timestamps in milliseconds
    private const int ClockRate = 90_000;
    private const int FrameTicks = 3000; // 30 fps on the 90 kHz clock

    [Fact]
    public void A_frame_late_by_a_retransmission_freezes_on_arrival_but_not_on_the_timeline()
    {
        var freezes = new ReceivedVideoFreezes(ArrivalFrequency, ClockRate);
        long arrival = 0, rtp = 0;
        Steady(freezes, ref arrival, ref rtp);

        // The next frame is complete 250 ms late (a lost retransmission's second round); none is missing.
        freezes.OnFrame(arrival += 33 + 250, rtp += FrameTicks);
        freezes.OnFrame(arrival += 1, rtp += FrameTicks); // the frames held behind it follow at once

        Assert.Equal(1, freezes.Arrival.Freezes);
        Assert.Equal(TimeSpan.FromMilliseconds(283), freezes.Arrival.FreezeDuration);
        Assert.Equal(0, freezes.Timeline.Freezes);
        Assert.Equal(1, freezes.Playout.Freezes); // the first late frame: no delay learnt yet to absorb it
    }

    [Fact]
    public void Frames_missing_until_the_next_keyframe_freeze_on_both_clocks()
    {
        var freezes = new ReceivedVideoFreezes(ArrivalFrequency, ClockRate);
        long arrival = 0, rtp = 0;
        Steady(freezes, ref arrival, ref rtp);

        // Nine frames dropped (a gap given up, delta frames skipped until a keyframe): the next frame is 10 frames on.
        freezes.OnFrame(arrival += 330, rtp += 10 * FrameTicks);

        Assert.Equal(1, freezes.Arrival.Freezes);
        Assert.Equal(1, freezes.Timeline.Freezes);
        Assert.Equal(1, freezes.Playout.Freezes);
        Assert.Equal(TimeSpan.FromTicks(10L * FrameTicks * TimeSpan.TicksPerSecond / ClockRate), freezes.Timeline.FreezeDuration);
    }

    [Fact]
    public void A_timeline_that_does_not_move_forward_is_not_a_freeze_and_does_not_skew_the_mean()
    {
        var freezes = new ReceivedVideoFreezes(ArrivalFrequency, ClockRate);
        long arrival = 0, rtp = 1_000_000;
        Steady(freezes, ref arrival, ref rtp);

        freezes.OnFrame(arrival += 33, rtp -= 500_000); // the sender restarted its RTP clock
        Steady(freezes, ref arrival, ref rtp);

        freezes.OnFrame(arrival += 33, rtp += 2 * FrameTicks); // one frame missing: 67 ms, under max(3 × 33, 33 + 150)

        Assert.Equal(0, freezes.Timeline.Freezes);
        Assert.Equal(0, freezes.Timeline.Pauses);
        Assert.Equal(0, freezes.Arrival.Freezes);
        Assert.Equal(0, freezes.Playout.Freezes);
    }

    /// <summary>40 frames at 30 fps, on time, none missing.</summary>
    private static void Steady(ReceivedVideoFreezes freezes, ref long arrival, ref long rtp)
    {
        for (var i = 0; i < 40; i++)
        {
            freezes.OnFrame(arrival += 33, rtp += FrameTicks);
        }
    }
}
