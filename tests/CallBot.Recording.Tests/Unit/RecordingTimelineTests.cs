using System.Buffers;
using CallBot.Abstractions;
using CallBot.Recording.Mkv;
using CallBot.Recording.Timeline;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests.Unit;

/// <summary>The A/V timeline policy on its own: no FFmpeg, no pipe, fake time; the decisions are read off a recording output.</summary>
public sealed class RecordingTimelineTests
{
    private static readonly byte[] Payload = [1, 2, 3, 4];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordedOutput _output = new();

    [Fact]
    public void Video_waits_for_a_keyframe_and_asks_for_one_at_most_once_per_interval()
    {
        var timeline = NewTimeline(new RecordingOptions { KeyFrameRequestInterval = TimeSpan.FromMilliseconds(500) });

        Assert.True(timeline.OnFrame(Video(0, key: false), _output)); // first delta: request
        _time.Advance(TimeSpan.FromMilliseconds(33));
        Assert.False(timeline.OnFrame(Video(3000, key: false), _output)); // inside the interval: no second request
        Assert.True(timeline.WaitingForKeyFrame);
        Assert.Empty(_output.Writes);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(timeline.OnKeyFrameTimer());
        Assert.True(timeline.OnFrame(Video(48_000, key: false), _output) is false);

        Assert.False(timeline.OnFrame(Video(51_000, key: true), _output));
        Assert.False(timeline.WaitingForKeyFrame);
        Assert.Equal([new Write("header+video", 0), new Write("video", 0)], _output.Writes);
        Assert.Equal(2, timeline.KeyFrameRequests);
        Assert.Equal(3, timeline.VideoStats!.FramesDroppedBeforeKeyFrame);
        Assert.False(timeline.OnKeyFrameTimer());
    }

    [Fact]
    public void Audio_before_the_first_keyframe_is_held_and_starts_the_file()
    {
        var timeline = NewTimeline(new RecordingOptions());
        for (var i = 0; i < 5; i++)
        {
            timeline.OnFrame(Audio(i * 960), _output);
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.Equal(5, timeline.HeldAudioFrames);
        Assert.Empty(_output.Writes);
        var origin = _time.GetUtcNow().AddMilliseconds(-100);

        timeline.OnFrame(Video(0, key: true), _output);

        // The file's 0 ms is the first held audio frame; the keyframe lands 100 ms later, audio back to back.
        Assert.Equal(new Write("header+video", 0), _output.Writes[0]);
        Assert.Equal([0, 20, 40, 60, 80], _output.Writes.Where(w => w.Kind == "audio").Select(w => w.Ms));
        Assert.Equal(new Write("video", 100), _output.Writes[^1]);
        Assert.Equal(origin, timeline.OriginUtc);
        Assert.Equal(0, timeline.HeldAudioFrames);
    }

    /// <summary>
    /// The start of RecordingSyncTests under load (arrivals as measured there, ms after each frame was due): frames queued
    /// while SRTP came up arrive in a burst, the keyframe (75 ms late) just before audio frame 0 (93 ms late) and audio
    /// frames 20–80 ms with it; from 100 ms on frames arrive 3 ms after they are due. No SR yet. Flash and beep are both at
    /// media time 0, so audio frame 0 belongs where the keyframe is; placed on its own late arrival it got a 20 ms silence
    /// frame before it (the first beep read 26 ms after its flash, 46 ms with two).
    /// </summary>
    [Fact]
    public void Audio_arriving_in_a_start_up_burst_just_after_the_keyframe_starts_with_the_keyframe()
    {
        var due = _time.GetUtcNow();
        var timeline = NewTimeline(new RecordingOptions());
        void At(double ms) => _time.SetUtcNow(due.AddMilliseconds(ms));

        At(75);
        timeline.OnFrame(Video(0, key: true), _output);
        At(93);
        timeline.OnFrame(Video(3000, key: false), _output);
        for (var i = 0; i <= 4; i++)
        {
            timeline.OnFrame(Audio(i * 960), _output);
        }

        At(94);
        timeline.OnFrame(Video(6000, key: false), _output);
        for (var ms = 100; ms <= 400; ms += 20)
        {
            At(ms + 3);
            timeline.OnFrame(Audio(ms * 48), _output);
            if (ms % 100 == 0)
            {
                timeline.OnFrame(Video(ms * 90, key: false), _output);
            }
        }

        var audio = _output.Writes.Where(w => w.Kind is "audio" or "silence").ToList();
        Assert.Equal(new Write("audio", 0), audio[0]); // frame 0 beside the keyframe, no silence before it
        Assert.Equal(Enumerable.Range(0, audio.Count).Select(i => new Write("audio", i * 20L)), audio); // back to back
        Assert.Equal(0, timeline.AudioStats!.FramesDroppedLate);
    }

    [Fact]
    public void Audio_held_while_its_start_settles_keeps_its_place_when_the_stream_restarts_meanwhile()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Video(0, key: true), _output);
        timeline.OnFrame(Audio(0), _output);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        timeline.OnStreamRestarted(MediaKind.Audio, canRequestKeyFrame: true);
        for (var i = 0; i < 6; i++)
        {
            timeline.OnFrame(Audio(5_000_000 + (i * 960)), _output); // the new timeline, far from the old one
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        // Frame 0 stays where it arrived; the new timeline continues after it, no silence burst between them.
        var audio = _output.Writes.Where(w => w.Kind is "audio" or "silence").ToList();
        Assert.Equal(Enumerable.Range(0, 7).Select(i => new Write("audio", i * 20L)), audio);
    }

    [Fact]
    public void Without_a_keyframe_within_the_video_wait_the_file_starts_audio_only_and_video_is_dropped()
    {
        var timeline = NewTimeline(new RecordingOptions { VideoWaitLimit = TimeSpan.FromMilliseconds(200) });
        for (var i = 0; i <= 10; i++)
        {
            timeline.OnFrame(Audio(i * 960), _output);
            _time.Advance(TimeSpan.FromMilliseconds(20));
        }

        Assert.True(timeline.AudioOnly);
        Assert.Equal(new Write("header", 0), _output.Writes[0]);
        Assert.Equal(11, _output.Writes.Count(w => w.Kind == "audio"));

        Assert.False(timeline.OnFrame(Video(0, key: true), _output));
        Assert.Equal(1, timeline.VideoStats!.FramesDroppedOther);
        Assert.Equal(11, timeline.FramesWritten);
    }

    [Fact]
    public void Audio_that_stalls_behind_video_is_filled_with_silence_up_to_half_a_second_behind()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Video(0, key: true), _output);
        timeline.OnFrame(Audio(0), _output);
        for (var i = 1; i <= 40; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            timeline.OnFrame(Video(i * 4500, key: false), _output); // 50 ms per frame at 90 kHz
        }

        // Audio ended at 20 ms. Each time video is a second ahead of the audio's end, silence fills up to 500 ms behind
        // the video: at 1050 ms up to 550 (frames 20..520), at 1550 ms up to 1050 (frames 540..1020); at 2000 ms the
        // stall is 960 ms, under the second, so nothing more.
        var silence = _output.Writes.Where(w => w.Kind == "silence").Select(w => w.Ms);
        Assert.Equal(Enumerable.Range(1, 51).Select(i => i * 20L), silence);
        Assert.Equal(51, timeline.AudioStats!.SilenceFramesInserted);
        Assert.Equal(2000, timeline.DurationMs);
    }

    [Fact]
    public void Two_video_frames_on_one_timestamp_never_repeat_a_file_timestamp()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Video(0, key: true), _output);
        timeline.OnFrame(Video(0, key: false), _output);
        timeline.OnFrame(Video(0, key: false), _output);

        Assert.Equal([0, MatroskaLiveWriter.VideoTickMs, 2 * MatroskaLiveWriter.VideoTickMs], _output.Writes.Where(w => w.Kind == "video").Select(w => w.Ms));
    }

    [Fact]
    public void A_full_queue_drops_the_video_frame_and_waits_for_the_next_keyframe()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Video(0, key: true), _output);
        _output.Full = true;
        _time.Advance(TimeSpan.FromMilliseconds(33));

        Assert.True(timeline.OnFrame(Video(3000, key: false), _output));
        Assert.True(timeline.WaitingForKeyFrame);
        Assert.Equal(1, timeline.VideoStats!.FramesDroppedQueueFull);

        _output.Full = false;
        _time.Advance(TimeSpan.FromMilliseconds(33));
        timeline.OnFrame(Video(6000, key: false), _output); // still dropped: not a keyframe
        Assert.Equal(1, _output.Writes.Count(w => w.Kind == "video"));
    }

    [Fact]
    public void A_gap_makes_video_wait_for_a_keyframe_only_while_the_recording_runs()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Video(0, key: true), _output);

        Assert.False(timeline.OnGap(MediaKind.Video, canRequestKeyFrame: false));
        Assert.False(timeline.WaitingForKeyFrame);
        Assert.True(timeline.OnGap(MediaKind.Video, canRequestKeyFrame: true));
        Assert.True(timeline.WaitingForKeyFrame);
        Assert.Equal(2, timeline.VideoStats!.Gaps);
    }

    [Fact]
    public void Finish_without_any_keyframe_makes_an_audio_only_file_from_the_held_audio()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(Audio(0), _output);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        timeline.OnFrame(Audio(960), _output);

        timeline.Finish(_output);

        Assert.Equal([new Write("header", 0), new Write("audio", 0), new Write("audio", 20)], _output.Writes);
        Assert.True(timeline.AudioOnly);
        Assert.Equal(0, timeline.HeldAudioFrames);
    }

    [Fact]
    public void A_frame_of_another_codec_is_dropped_and_counted()
    {
        var timeline = NewTimeline(new RecordingOptions());
        timeline.OnFrame(new EncodedFrame(CodecId.H264, Payload, 0, 3000, true), _output);

        Assert.Empty(_output.Writes);
        Assert.Equal(1, timeline.VideoStats!.FramesDroppedOther);
    }

    private RecordingTimeline NewTimeline(RecordingOptions options) => new(CodecId.Opus, CodecId.Vp8, options, _time);

    private static EncodedFrame Video(long timestamp, bool key) => new(CodecId.Vp8, Payload, timestamp, 3000, key);

    private static EncodedFrame Audio(long timestamp) => new(CodecId.Opus, Payload, timestamp, 960, true);

    private sealed record Write(string Kind, long Ms);

    /// <summary>Records what the timeline decided; returns pooled buffers like the muxer does.</summary>
    private sealed class RecordedOutput : ITimelineOutput
    {
        public List<Write> Writes { get; } = [];

        public bool Full { get; set; }

        public TimelineWrite WriteHeader(in EncodedFrame keyFrame, bool withVideo) => Record(withVideo ? "header+video" : "header", 0);

        public TimelineWrite WriteVideo(in EncodedFrame frame, long ms) => Record("video", ms);

        public TimelineWrite WriteAudio(byte[] buffer, int length, long ms)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return Record("audio", ms);
        }

        public TimelineWrite WriteSilence(long ms) => Record("silence", ms);

        private TimelineWrite Record(string kind, long ms)
        {
            if (Full)
            {
                return TimelineWrite.QueueFull;
            }

            Writes.Add(new Write(kind, ms));
            return TimelineWrite.Written;
        }
    }
}
