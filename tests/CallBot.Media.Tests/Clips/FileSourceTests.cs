using CallBot.Abstractions;
using CallBot.Media.Analysis;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Pacing;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Media.Tests.Clips;

/// <summary>File sources: inputs are made by FFmpeg in the test (nothing binary is committed).</summary>
public sealed class FileSourceTests : IDisposable
{
    private static readonly VideoProfile Video = new(CodecId.Vp8, 160, 90, 15, 150, 15, ClipSeconds: 10);
    private static readonly AudioProfile Audio = new(24, 1, ClipSeconds: 10);
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-files-").FullName;
    private readonly FfmpegRunner _ffmpeg = new();
    private readonly ClipEncoder _encoder;

    public FileSourceTests() => _encoder = new ClipEncoder(_ffmpeg);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> MakeAsync(string name, params string[] args)
    {
        var path = Path.Combine(_dir, name);
        await _ffmpeg.RunAsync(["-v", "error", .. args, "-y", path], cancellationToken: TestContext.Current.CancellationToken);
        return path;
    }

    [Fact]
    public async Task An_mp4_is_cut_to_whole_seconds_and_loops_seamlessly_with_a_key_frame_at_each_loop_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var mp4 = await MakeAsync("av.mp4",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2.5", "-f", "lavfi", "-i", "sine=frequency=500:duration=2.5",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-c:a", "aac", "-shortest");
        var source = new FileSource(mp4);
        var video = await _encoder.EncodeAsync(source, Video, ct);
        var audio = await _encoder.EncodeAsync(source, Audio, ct);

        Assert.Equal(2 * 90_000L, video.Duration);     // 2.5 s file -> 2 s clip, at the profile's 15 fps
        Assert.Equal(30, video.Count);
        Assert.Equal(2 * 48_000L, audio.Duration);     // audio cut to the same length: A/V stay aligned loop after loop
        Assert.Equal(100, audio.Count);

        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var videoSink = new TimelineSink();
        var audioSink = new TimelineSink();
        clock.Register(EncodedTrack.Of(video), videoSink);
        clock.Register(EncodedTrack.Of(audio), audioSink);
        for (var i = 0; i < 1100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5)); // 5.5 s: two full loops and a half
        }

        AssertSeamless(videoSink.Frames, video);
        AssertSeamless(audioSink.Frames, audio);
        Assert.Equal(83, videoSink.Frames.Count); // due at 0, 1/15 s, … up to 5.5 s
    }

    private static void AssertSeamless(List<EncodedFrame> frames, EncodedClip clip)
    {
        for (var k = 0; k < frames.Count; k++)
        {
            var position = k % clip.Count;
            Assert.Equal(clip[position].Data, frames[k].Data);                 // the clip's own bytes, shared, in order
            Assert.Equal(k / clip.Count * clip.Duration + clip[position].Timestamp, frames[k].Timestamp);
            if (k > 0)
            {
                Assert.Equal(frames[k - 1].Timestamp + frames[k - 1].Duration, frames[k].Timestamp); // no gap, no overlap at the loop
            }

            if (position == 0)
            {
                Assert.True(frames[k].IsKeyFrame);
            }
        }
    }

    [Fact]
    public async Task An_audio_only_file_gets_black_video_and_a_video_only_file_gets_silence()
    {
        var ct = TestContext.Current.CancellationToken;
        var wav = await MakeAsync("tone.wav", "-f", "lavfi", "-i", "sine=frequency=700:duration=1.5");
        var y4m = await MakeAsync("card.y4m", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=15:duration=1.2", "-pix_fmt", "yuv420p");

        var blackPath = Path.Combine(_dir, "black.ivf");
        var wavSource = new FileSource(wav);
        var wavInfo = await wavSource.DescribeAsync(_ffmpeg, ct);
        Assert.False(wavInfo.HasVideo);
        Assert.True(wavInfo.HasAudio);
        await File.WriteAllBytesAsync(blackPath, await _encoder.EncodeBytesAsync(wavSource, wavInfo, Video, 1, ct), ct);
        var luma = await new SyncMarkAnalyzer(_ffmpeg).DecodeLumaAsync(blackPath, null, ct);
        Assert.Equal(15, luma.Length);
        Assert.All(luma, l => Assert.InRange(l, 0, 20));

        var y4mSource = new FileSource(y4m);
        var y4mInfo = await y4mSource.DescribeAsync(_ffmpeg, ct);
        Assert.True(y4mInfo.HasVideo);
        Assert.False(y4mInfo.HasAudio);
        var silence = await _encoder.EncodeAsync(y4mSource, Audio, ct);
        Assert.Equal(50, silence.Count);               // 1.2 s file -> 1 s clip
        var silencePath = Path.Combine(_dir, "silence.ogg");
        await File.WriteAllBytesAsync(silencePath, await _encoder.EncodeBytesAsync(y4mSource, y4mInfo, Audio, 1, ct), ct);
        var pcm = await new SyncMarkAnalyzer(_ffmpeg).DecodePcmAsync(silencePath, ct);
        Assert.All(pcm, s => Assert.InRange(s, (short)-64, (short)64));
        Assert.Equal(15, (await _encoder.EncodeAsync(y4mSource, Video with { Codec = CodecId.H264 }, ct)).Count);
    }

    [Fact]
    public async Task A_still_image_becomes_a_clip_of_the_profile_length()
    {
        var ct = TestContext.Current.CancellationToken;
        var png = await MakeAsync("card.png", "-f", "lavfi", "-i", "testsrc=size=200x100", "-frames:v", "1");
        var clip = await _encoder.EncodeAsync(new FileSource(png), Video with { ClipSeconds = 2 }, ct);
        Assert.Equal(30, clip.Count);
        Assert.Equal(2 * 90_000L, clip.Duration);
        Assert.True(clip[0].IsKeyFrame);
    }

    [Fact]
    public async Task Webm_and_mkv_inputs_are_read()
    {
        var ct = TestContext.Current.CancellationToken;
        var webm = await MakeAsync("in.webm", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=1", "-c:v", "libvpx", "-b:v", "100k");
        var mkv = await MakeAsync("in.mkv", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libopus");
        Assert.Equal(15, (await _encoder.EncodeAsync(new FileSource(webm), Video, ct)).Count);
        Assert.Equal(50, (await _encoder.EncodeAsync(new FileSource(mkv), Audio, ct)).Count);
    }

    private sealed class TimelineSink : IEncodedFrameSink
    {
        public List<EncodedFrame> Frames { get; } = [];

        public void OnFrame(in EncodedFrame frame) => Frames.Add(frame); // clip frames are immutable: keeping them is safe
    }
}
