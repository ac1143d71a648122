using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Pacing;

namespace CallBot.Media.Tests.Pacing;

public sealed class MediaClockRealTimeTests
{
    [Fact]
    public async Task The_system_timer_paces_frames_and_disposing_the_clock_stops_it()
    {
        using var clock = new MediaClock(TimeProvider.System);
        var tenFrames = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var sink = new MediaClockTests.CallbackSink(_ =>
        {
            if (Interlocked.Increment(ref count) == 10)
            {
                tenFrames.TrySetResult();
            }
        });
        var started = TimeProvider.System.GetTimestamp();
        clock.Register(EncodedTrack.Of(TestClips.Audio()), sink);
        await tenFrames.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        // Ten 20 ms packets: the 10th is due at 180 ms; it must not come early.
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(180));
        clock.Dispose();
        Assert.Equal(0, clock.SenderCount);
        Assert.Throws<ObjectDisposedException>(() => clock.Register(EncodedTrack.Of(TestClips.Audio()), sink));
    }
}
