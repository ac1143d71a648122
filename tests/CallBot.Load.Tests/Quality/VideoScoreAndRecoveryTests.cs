using CallBot.Load.Quality;

namespace CallBot.Load.Tests.Quality;

public sealed class VideoScoreAndRecoveryTests
{
    [Fact]
    public void Video_score_is_five_for_what_was_sent_and_falls_with_resolution_fps_and_freezes()
    {
        var watched = TimeSpan.FromSeconds(60);
        Assert.Equal(5, VideoScore.Compute(1280 * 720, 1280 * 720, 30, 30, TimeSpan.Zero, watched), 6);
        Assert.Equal(1 + (4 * 0.5), VideoScore.Compute(640 * 360, 1280 * 720, 30, 30, TimeSpan.Zero, watched), 6); // √¼
        Assert.Equal(1 + (4 * 0.5), VideoScore.Compute(1280 * 720, 1280 * 720, 15, 30, TimeSpan.Zero, watched), 6);
        Assert.Equal(1 + (4 * 0.75), VideoScore.Compute(1280 * 720, 1280 * 720, 30, 30, TimeSpan.FromSeconds(15), watched), 6);
        Assert.Equal(1, VideoScore.Compute(0, 1280 * 720, 30, 30, TimeSpan.Zero, watched));
    }

    [Fact]
    public void Recovery_is_the_time_after_the_window_until_ninety_percent_of_the_own_baseline()
    {
        var samples = new List<(TimeSpan, double)>();
        for (var s = 0; s < 60; s++)
        {
            var fps = s < 20 ? 30.0 : s < 40 ? 12 : s < 43 ? 20 : s == 43 ? 27 : 30; // 27 = 90 % of 30
            samples.Add((TimeSpan.FromSeconds(s), fps));
        }

        Assert.Equal(TimeSpan.FromSeconds(3), RecoveryTime.Measure(samples, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40)));
        Assert.Null(RecoveryTime.Measure(samples[..42], TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40))); // never back
        Assert.Null(RecoveryTime.Measure(samples, TimeSpan.Zero, TimeSpan.FromSeconds(40))); // no baseline
    }
}
