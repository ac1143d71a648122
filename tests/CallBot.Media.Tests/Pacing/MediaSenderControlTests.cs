using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Media.Tests.Pacing;

public sealed class MediaSenderControlTests : IDisposable
{
    private const byte SourceTag = 1;
    private const byte FillerTag = 9;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private readonly FakeTimeProvider _time = new();
    private readonly MediaClock _clock;
    private readonly RecordingSink _sink = new();

    public MediaSenderControlTests() => _clock = new MediaClock(_time, new MediaClockOptions { Tick = Tick });

    public void Dispose() => _clock.Dispose();

    private static EncodedTrack VideoTrack() => EncodedTrack.Of(TestClips.Video(SourceTag), TestClips.Make(CodecId.Vp8, 30, 3000, 30, FillerTag));

    /// <summary>Runs until the sink holds <paramref name="frames"/> frames in total.</summary>
    private void RunUntil(int frames)
    {
        for (var guard = 0; _sink.Frames.Count < frames && guard < 100_000; guard++)
        {
            _time.Advance(Tick);
        }
    }

    private void AssertContinuousTimeline(int duration)
    {
        for (var k = 1; k < _sink.Frames.Count; k++)
        {
            Assert.Equal(_sink.Frames[k - 1].Timestamp + duration, _sink.Frames[k].Timestamp);
        }
    }

    [Fact]
    public void Mute_sends_filler_from_its_key_frame_and_unmute_resumes_live_at_the_next_source_key_frame()
    {
        var sender = _clock.Register(VideoTrack(), _sink);
        RunUntil(4);                       // source frames 0..3
        sender.Mute();
        RunUntil(7);                       // filler 0..2 in the slots of source 4..6
        sender.Unmute();
        RunUntil(14);                      // still filler until source frame 10 (the next key frame)

        var f = _sink.Frames;
        Assert.All(f.Take(4), x => Assert.Equal(SourceTag, x.Tag));
        Assert.Equal((FillerTag, 0, true), (f[4].Tag, f[4].Index, f[4].Key));
        Assert.Equal((FillerTag, 1), (f[5].Tag, f[5].Index));
        Assert.All(f.Skip(4).Take(6), x => Assert.Equal(FillerTag, x.Tag));
        Assert.Equal((SourceTag, 10, true), (f[10].Tag, f[10].Index, f[10].Key)); // live position, key frame
        Assert.Equal((SourceTag, 13), (f[13].Tag, f[13].Index));
        AssertContinuousTimeline(3000);
        Assert.False(sender.IsMuted);
    }

    [Fact]
    public void Mute_with_stop_sends_nothing_and_resumes_with_a_key_frame_at_the_real_time_timestamp()
    {
        var sender = _clock.Register(VideoTrack(), _sink, new MediaSenderOptions { MuteBehavior = MuteBehavior.Stop });
        RunUntil(3);
        sender.Mute();
        for (var i = 0; i < 60; i++)
        {
            _time.Advance(Tick);           // 300 ms muted
        }

        Assert.Equal(3, _sink.Frames.Count);
        Assert.True(sender.IsMuted);
        sender.Unmute();
        RunUntil(4);
        var resumed = _sink.Frames[3];
        Assert.True(resumed.Key);
        Assert.Equal(0, resumed.Index % 10);
        Assert.Equal(resumed.Index * 3000L, resumed.Timestamp); // where real time is, not where it paused
    }

    [Fact]
    public void Audio_mute_sends_silence_packets_and_unmute_is_immediate()
    {
        var track = EncodedTrack.Of(TestClips.Audio(SourceTag), TestClips.Make(CodecId.Opus, 50, 960, 1, FillerTag));
        var sender = _clock.Register(track, _sink);
        RunUntil(2);
        sender.Mute();
        RunUntil(4);
        sender.Unmute();
        RunUntil(6);
        Assert.Equal([SourceTag, SourceTag, FillerTag, FillerTag, SourceTag, SourceTag], _sink.Frames.Select(f => f.Tag));
        Assert.Equal(4, _sink.Frames[4].Index);
        AssertContinuousTimeline(960);
    }

    [Fact]
    public void Start_muted_begins_with_filler()
    {
        _clock.Register(VideoTrack(), _sink, new MediaSenderOptions { StartMuted = true });
        RunUntil(2);
        Assert.Equal((FillerTag, 0, true), (_sink.Frames[0].Tag, _sink.Frames[0].Index, _sink.Frames[0].Key));
    }

    [Fact]
    public void Switch_source_starts_the_new_track_at_its_key_frame_with_the_timeline_unbroken()
    {
        var sender = _clock.Register(VideoTrack(), _sink);
        RunUntil(5);
        sender.SwitchSource(EncodedTrack.Of(TestClips.Video(tag: 2)));
        RunUntil(8);
        Assert.Equal((2, 0, true), (_sink.Frames[5].Tag, _sink.Frames[5].Index, _sink.Frames[5].Key));
        Assert.Equal((2, 2), (_sink.Frames[7].Tag, _sink.Frames[7].Index));
        AssertContinuousTimeline(3000);
        Assert.Throws<ArgumentException>(() => sender.SwitchSource(EncodedTrack.Of(TestClips.Audio())));
    }

    [Fact]
    public void Target_bitrate_switches_ladder_renditions_only_at_key_frames()
    {
        var ladder = new EncodedTrack([
            TestClips.Video(tag: 10, bitrateKbps: 150),
            TestClips.Video(tag: 30, bitrateKbps: 600),
            TestClips.Video(tag: 90, bitrateKbps: 1500),
        ]);
        var sender = _clock.Register(ladder, _sink);
        RunUntil(3);
        Assert.Equal(90, _sink.Frames[0].Tag);           // unlimited target: top rendition
        sender.SetTargetBitrate(700);
        RunUntil(12);
        Assert.All(_sink.Frames.Take(10), f => Assert.Equal(90, f.Tag)); // frames 3..9 are delta frames: no switch
        Assert.Equal((30, 10, true), (_sink.Frames[10].Tag, _sink.Frames[10].Index, _sink.Frames[10].Key));
        Assert.Equal(1, sender.RenditionIndex);
        sender.SetTargetBitrate(50);                     // below the lowest: the lowest
        RunUntil(21);
        Assert.Equal(10, _sink.Frames[20].Tag);
        AssertContinuousTimeline(3000);
        Assert.Equal(Enumerable.Range(0, 21), _sink.Frames.Select(f => f.Index)); // no frame skipped or repeated by a switch
    }

    [Fact]
    public void A_step_down_with_key_frame_twins_takes_effect_on_the_next_frame_and_a_step_up_waits_for_a_key_frame()
    {
        // 150 and 600 kbit/s, key frame every 10 frames, each with its key-frame-only twin (tags 11 and 31).
        var ladder = new EncodedTrack(
            [TestClips.Video(tag: 10, bitrateKbps: 150), TestClips.Video(tag: 30, bitrateKbps: 600)],
            keyFrameRenditions: [TestClips.Make(CodecId.Vp8, 30, 3000, 1, 11, 150), TestClips.Make(CodecId.Vp8, 30, 3000, 1, 31, 600)]);
        var sender = _clock.Register(ladder, _sink);
        RunUntil(3);
        Assert.Equal(30, _sink.Frames[0].Tag);

        sender.SetTargetBitrate(300); // congestion mid-GOP: the 600 kbit/s rendition does not fit
        RunUntil(12);
        Assert.All(_sink.Frames.Take(3), x => Assert.Equal(30, x.Tag));
        Assert.Equal((11, 3), (_sink.Frames[3].Tag, _sink.Frames[3].Index)); // the next frame: the lower rendition's twin
        Assert.All(_sink.Frames.Skip(3).Take(7), x => Assert.Equal((11, true), (x.Tag, x.Key))); // until its key frame (10)
        Assert.Equal((10, 10, true), (_sink.Frames[10].Tag, _sink.Frames[10].Index, _sink.Frames[10].Key)); // its own key frame
        Assert.Equal((10, false), (_sink.Frames[11].Tag, _sink.Frames[11].Key));
        Assert.Equal(0, sender.RenditionIndex);
        Assert.Equal(1, sender.StepDownsInPlace);

        sender.SetTargetBitrate(5_000); // a step up waits for the next key frame (frame 20): better pictures can wait
        RunUntil(22);
        Assert.All(_sink.Frames.Skip(11).Take(9), x => Assert.Equal((10, false), (x.Tag, x.Key)));
        Assert.Equal((30, 20, true), (_sink.Frames[20].Tag, _sink.Frames[20].Index, _sink.Frames[20].Key));
        AssertContinuousTimeline(3000);
        Assert.Equal(Enumerable.Range(0, 22), _sink.Frames.Select(x => x.Index));
    }

    [Fact]
    public void Ladder_renditions_must_share_key_frame_positions()
    {
        Assert.Throws<ArgumentException>(() => new EncodedTrack([
            TestClips.Make(CodecId.Vp8, 30, 3000, 10, 0, 100),
            TestClips.Make(CodecId.Vp8, 30, 3000, 15, 1, 300),
        ]));
    }
}
