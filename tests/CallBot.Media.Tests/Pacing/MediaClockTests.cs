using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Media.Tests.Pacing;

public sealed class MediaClockTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    /// <summary>Counts timers so a test can prove there is one for the whole process.</summary>
    private sealed class CountingTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        public int TimersCreated;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref TimersCreated);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static void Run(FakeTimeProvider time, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += Tick)
        {
            time.Advance(Tick);
        }
    }

    [Fact]
    public void One_clock_drives_a_thousand_senders_each_getting_every_frame_exactly_once_in_order()
    {
        var fake = new FakeTimeProvider();
        var time = new CountingTimeProvider(fake);
        using var clock = new MediaClock(time, new MediaClockOptions { Tick = Tick });
        var video = EncodedTrack.Of(TestClips.Video());
        var audio = EncodedTrack.Of(TestClips.Audio());
        var sinks = new RecordingSink[1000];
        for (var i = 0; i < sinks.Length; i++)
        {
            sinks[i] = new RecordingSink();
            clock.Register(i % 2 == 0 ? video : audio, sinks[i]);
        }

        Run(fake, TimeSpan.FromMilliseconds(2500)); // 2.5 loops of the 1 s clips

        Assert.Equal(1, time.TimersCreated);
        Assert.Equal(1000, clock.SenderCount);
        for (var i = 0; i < sinks.Length; i++)
        {
            var isVideo = i % 2 == 0;
            var (frames, duration) = isVideo ? (30, 3000) : (50, 960);
            var expected = (int)(2.5 * frames) + 1; // frames due at 0, d, 2d, … 2.5 s inclusive
            var got = sinks[i].Frames;
            Assert.Equal(expected, got.Count);
            for (var k = 0; k < got.Count; k++)
            {
                Assert.Equal(k % frames, got[k].Index);           // in order, none twice, none missing, looping
                Assert.Equal((long)k * duration, got[k].Timestamp); // monotonic across loops
                if (k % frames == 0)
                {
                    Assert.True(got[k].Key);                       // every loop starts with a key frame
                }
            }
        }
    }

    [Fact]
    public void Frames_are_never_early_and_at_most_one_tick_late()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time, new MediaClockOptions { Tick = Tick });
        var deliveredAt = new List<(long Timestamp, TimeSpan At)>();
        var start = time.GetTimestamp();
        var sink = new CallbackSink(f => deliveredAt.Add((f.Timestamp, time.GetElapsedTime(start))));
        clock.Register(EncodedTrack.Of(TestClips.Video()), sink);
        Run(time, TimeSpan.FromSeconds(1));
        Assert.NotEmpty(deliveredAt);
        foreach (var (timestamp, at) in deliveredAt)
        {
            var due = TimeSpan.FromSeconds(timestamp / 90_000.0);
            Assert.InRange(at, due - TimeSpan.FromTicks(1), due + Tick);
        }
    }

    [Fact]
    public void Dispose_unregisters_and_a_throwing_sink_does_not_stop_the_others()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time, new MediaClockOptions { Tick = Tick });
        var track = EncodedTrack.Of(TestClips.Audio());
        var bad = clock.Register(track, new CallbackSink(_ => throw new InvalidOperationException("sink broke")));
        var goodSink = new RecordingSink();
        var good = clock.Register(track, goodSink);
        Run(time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(6, goodSink.Frames.Count);
        Assert.Equal(6, bad.SinkFaults);

        good.Dispose();
        Assert.Equal(1, clock.SenderCount);
        Run(time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(6, goodSink.Frames.Count);
    }

    [Fact]
    public void A_stalled_clock_catches_up_without_losing_or_repeating_frames()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time, new MediaClockOptions { Tick = Tick });
        var sink = new RecordingSink();
        clock.Register(EncodedTrack.Of(TestClips.Audio()), sink, new MediaSenderOptions { MaxFramesPerTick = 4 });
        time.Advance(TimeSpan.FromMilliseconds(200)); // the fake fires the periodic timer for every missed period
        Run(time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(16, sink.Frames.Count); // 0..300 ms in 20 ms steps
        Assert.Equal(Enumerable.Range(0, 16), sink.Frames.Select(f => f.Index));
    }

    internal sealed class CallbackSink(Action<EncodedFrame> onFrame) : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame) => onFrame(frame);
    }
}

public sealed class MediaClockStartTests
{
    [Fact]
    public void Senders_given_one_start_timestamp_deliver_their_first_frames_together_even_if_registered_apart()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time, new MediaClockOptions { Tick = TimeSpan.FromMilliseconds(5) });
        var start = clock.GetTimestamp();
        var audio = new RecordingSink();
        var video = new RecordingSink();
        clock.Register(EncodedTrack.Of(TestClips.Audio()), audio, new MediaSenderOptions { StartTimestamp = start });
        time.Advance(TimeSpan.FromMilliseconds(45));   // video joins 45 ms later, as happens while a call is set up
        var audioBefore = audio.Frames.Count;
        clock.Register(EncodedTrack.Of(TestClips.Video()), video, new MediaSenderOptions { StartTimestamp = start });
        time.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(3, audioBefore);                  // 0, 20, 40 ms
        Assert.Equal(2, video.Frames.Count);           // 0 and 33.3 ms are both due at 50 ms: video is on the audio's timeline
        Assert.Equal(3000, video.Frames[1].Timestamp);
    }
}
