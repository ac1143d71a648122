using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Pacing;
using CallBot.TestSupport;

namespace CallBot.Media.Tests.Pacing;

public sealed class MediaClockAllocationTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Now;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Inert();

        private sealed class Inert : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose() { }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    private sealed class CountingSink : IEncodedFrameSink
    {
        public long Frames;

        public void OnFrame(in EncodedFrame frame) => Frames += frame.Data.Length > 0 ? 1 : 0;
    }

    [Fact]
    public void Pacing_allocates_nothing_per_tick_or_frame_including_loops_mutes_ladder_switches_and_keyframe_answers()
    {
        var time = new ManualTime();
        using var clock = new MediaClock(time);
        var ladder = new EncodedTrack([TestClips.Video(1, 100), TestClips.Video(2, 500)], TestClips.Make(CodecId.Vp8, 30, 3000, 30, 9),
            [TestClips.Make(CodecId.Vp8, 30, 3000, 1, 3), TestClips.Make(CodecId.Vp8, 30, 3000, 1, 4)]);
        var audio = EncodedTrack.Of(TestClips.Audio());
        var senders = new List<MediaSender>();
        var sink = new CountingSink();
        for (var i = 0; i < 100; i++)
        {
            senders.Add(clock.Register(i % 2 == 0 ? ladder : audio, sink));
        }

        void RunMs(int ms)
        {
            for (var t = 0; t < ms; t += 5)
            {
                time.Now += TimeSpan.FromMilliseconds(5).Ticks;
                clock.Tick();
            }
        }

        RunMs(100); // warm up (JIT, first-call paths)
        var framesBefore = sink.Frames;
        var before = GC.GetAllocatedBytesForCurrentThread();
        RunMs(750);
        foreach (var sender in senders)
        {
            sender.RequestKeyFrame(); // answered from the key-frame-only twins (video) or ignored (audio)
        }

        RunMs(750);
        senders[0].Mute();
        senders[2].SetTargetBitrate(200);
        RunMs(500);
        senders[0].Unmute();
        RunMs(500);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AllocationAssert.LessThanOneBytePerOperation(allocated, sink.Frames - framesBefore, "pacing frames");
        Assert.True(sink.Frames > 100 * 60);
        Assert.Equal(0, senders[2].RenditionIndex);
        Assert.Equal(1, senders[4].KeyFramesAnswered);
    }
}
