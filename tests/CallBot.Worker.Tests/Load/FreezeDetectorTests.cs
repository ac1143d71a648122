using CallBot.Worker.Load;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Worker.Tests.Load;

/// <summary>Freezes from 100 ms samples of a received-frame counter: a gap counts once frames resume, never at the end.</summary>
public sealed class FreezeDetectorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FreezeDetector _detector = new();
    private long _frames;

    [Fact]
    public void Steady_30_fps_has_no_freeze()
    {
        for (var i = 0; i < 100; i++)
        {
            Tick(frames: 3);
        }

        Assert.Equal(0, _detector.Freezes);
    }

    [Fact]
    public void A_700_ms_stall_then_frames_again_is_one_freeze()
    {
        Tick(3);
        Tick(3);
        for (var i = 0; i < 7; i++)
        {
            Tick(0);
        }

        Assert.Equal(0, _detector.Freezes);
        Tick(3);
        Assert.Equal(1, _detector.Freezes);
        Tick(3);
        Assert.Equal(1, _detector.Freezes);
    }

    [Fact]
    public void A_400_ms_stall_is_not_a_freeze()
    {
        Tick(3);
        for (var i = 0; i < 4; i++)
        {
            Tick(0);
        }

        Tick(3);
        Assert.Equal(0, _detector.Freezes);
    }

    [Fact]
    public void The_end_of_a_call_and_the_wait_for_the_first_frame_are_not_freezes()
    {
        for (var i = 0; i < 20; i++)
        {
            Tick(0);
        }

        Tick(3);
        for (var i = 0; i < 20; i++)
        {
            Tick(0);
        }

        Assert.Equal(0, _detector.Freezes);
    }

    [Fact]
    public void A_late_sample_that_already_sees_new_frames_counts_nothing()
    {
        // The sampler itself was starved for 900 ms but frames kept arriving: no sample saw a still counter.
        Tick(3);
        _time.Advance(TimeSpan.FromMilliseconds(800));
        Tick(27);
        Assert.Equal(0, _detector.Freezes);
    }

    private void Tick(int frames)
    {
        _time.Advance(TimeSpan.FromMilliseconds(100));
        _frames += frames;
        _detector.Observe(_frames, _time.GetTimestamp(), _time);
    }
}
