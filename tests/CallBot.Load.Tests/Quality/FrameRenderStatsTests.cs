using CallBot.Load.Quality;

namespace CallBot.Load.Tests.Quality;

public sealed class FrameRenderStatsTests
{
    private const long Frequency = 1000; // timestamps in milliseconds

    [Fact]
    public void Steady_frames_have_no_freeze_and_a_gap_at_the_w3c_threshold_is_one()
    {
        var stats = new FrameRenderStats(Frequency);
        long t = 0;
        t = Steady(stats, t, 40, 33); // 30 fps: mean 33 ms, threshold max(99, 183) = 183 ms

        stats.OnFrame(t += 182);
        Assert.Equal(0, stats.FreezeCount);
        t = Steady(stats, t, 40, 33);

        stats.OnFrame(t += 183);
        Assert.Equal(1, stats.FreezeCount);
        Assert.Equal(TimeSpan.FromMilliseconds(183), stats.TotalFreezesDuration);
        Assert.Equal(0, stats.PauseCount);
    }

    [Fact]
    public void At_low_frame_rates_three_times_the_mean_sets_the_threshold()
    {
        var stats = new FrameRenderStats(Frequency);
        long t = 0;
        t = Steady(stats, t, 31, 200); // 5 fps: max(600, 350) = 600 ms

        stats.OnFrame(t += 599);
        Assert.Equal(0, stats.FreezeCount);
        t = Steady(stats, t, 31, 200);

        stats.OnFrame(t += 600);
        Assert.Equal(1, stats.FreezeCount);
    }

    [Fact]
    public void A_gap_over_five_seconds_is_a_pause_not_a_freeze()
    {
        var stats = new FrameRenderStats(Frequency);
        long t = 0;
        t = Steady(stats, t, 10, 33);

        stats.OnFrame(t += 5001);
        stats.OnFrame(t += 33);
        Assert.Equal(1, stats.PauseCount);
        Assert.Equal(TimeSpan.FromMilliseconds(5001), stats.TotalPausesDuration);
        Assert.Equal(0, stats.FreezeCount);
        Assert.Equal(12, stats.Frames);
    }

    /// <summary>Feeds <paramref name="frames"/> frames <paramref name="intervalMs"/> apart after <paramref name="t"/>; returns the last time.</summary>
    private static long Steady(FrameRenderStats stats, long t, int frames, long intervalMs)
    {
        for (var i = 0; i < frames; i++)
        {
            stats.OnFrame(t += intervalMs);
        }

        return t;
    }
}
