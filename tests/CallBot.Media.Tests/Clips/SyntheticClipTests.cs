using CallBot.Abstractions;
using CallBot.Media.Analysis;
using CallBot.Media.Ffmpeg;

namespace CallBot.Media.Tests.Clips;

[Collection(SyntheticClipCollection.Name)]
public sealed class SyntheticClipTests(SyntheticClipFixture fixture)
{
    private const int Fps = 30;
    private const double OneFrame = 1.0 / Fps;

    [Theory]
    [InlineData("vp8")]
    [InlineData("h264")]
    [InlineData("opus")]
    public async Task Encoded_output_decodes_with_ffmpeg_without_a_single_error(string which)
    {
        var path = which switch { "vp8" => fixture.Vp8File, "h264" => fixture.H264File, _ => fixture.OpusFile };
        Assert.Equal(string.Empty, await fixture.DecodeErrorsAsync(path, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Video_clips_have_the_configured_frame_count_duration_and_key_frames()
    {
        foreach (var clip in new[] { fixture.Vp8Clip, fixture.H264Clip })
        {
            Assert.Equal(Fps * SyntheticClipFixture.Seconds, clip.Count);
            Assert.Equal(90_000L * SyntheticClipFixture.Seconds, clip.Duration);
            for (var i = 0; i < clip.Count; i++)
            {
                Assert.Equal(i * 3000L, clip[i].Timestamp);
                Assert.Equal(3000, clip[i].Duration);
                Assert.Equal(i % 30 == 0, clip[i].IsKeyFrame); // key frame interval 30, forced, nowhere else
            }
        }

        // Every frame is a slice of the clip's one buffer.
        Assert.True(fixture.Vp8Clip[5].Data.Span.Overlaps(fixture.Vp8Clip.Buffer.Span));
    }

    [Fact]
    public void Audio_clip_is_20ms_opus_packets_covering_exactly_the_configured_length()
    {
        var clip = fixture.OpusClip;
        Assert.Equal(CodecId.Opus, clip.Codec);
        Assert.Equal(50 * SyntheticClipFixture.Seconds, clip.Count);
        Assert.Equal(48_000L * SyntheticClipFixture.Seconds, clip.Duration);
        for (var i = 0; i < clip.Count; i++)
        {
            Assert.Equal(i * 960L, clip[i].Timestamp);
            Assert.Equal(960, clip[i].Duration);
        }
    }

    [Fact]
    public async Task Decoded_video_and_audio_carry_a_sync_mark_every_second_within_one_frame()
    {
        var analyzer = new SyncMarkAnalyzer(fixture.Ffmpeg);
        var ct = TestContext.Current.CancellationToken;
        var video = await analyzer.AnalyzeAsync(fixture.Vp8File, Fps, hasAudio: false, cancellationToken: ct);
        var h264 = await analyzer.AnalyzeAsync(fixture.H264File, Fps, hasAudio: false, cancellationToken: ct);
        var audio = await analyzer.AnalyzeAsync(fixture.OpusFile, Fps, hasVideo: false, cancellationToken: ct);

        Assert.Equal(90, video.VideoFrames);
        Assert.Equal(90, h264.VideoFrames);
        Assert.InRange(audio.AudioSamples, 3 * 48_000 - 960, 3 * 48_000);
        foreach (var flashes in new[] { video.FlashTimes, h264.FlashTimes })
        {
            Assert.Equal(3, flashes.Count);
            for (var s = 0; s < 3; s++)
            {
                Assert.InRange(flashes[s], s - OneFrame, s + OneFrame);
            }
        }

        // Only the flash frames are bright: the card itself stays far below the threshold.
        Assert.Equal(3, video.FrameLuma.Count(l => l >= SyncMarkDetector.DefaultFlashLuma));

        Assert.Equal(3, audio.BeepTimes.Count);
        for (var s = 0; s < 3; s++)
        {
            Assert.InRange(audio.BeepTimes[s], s - OneFrame, s + OneFrame);
        }

        var offsets = SyncMarkDetector.AvOffsets(video.FlashTimes, audio.BeepTimes);
        Assert.Equal(3, offsets.Count);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"flashes {string.Join(' ', video.FlashTimes.Select(t => t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}; " +
            $"beeps {string.Join(' ', audio.BeepTimes.Select(t => t.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}; " +
            $"A/V offsets {string.Join(' ', offsets.Select(t => (t * 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Assert.All(offsets, o => Assert.InRange(o, -OneFrame, OneFrame));
    }

    [Fact]
    public void Detector_finds_flash_onsets_and_beep_onsets_in_plain_arrays()
    {
        double[] luma = [120, 250, 250, 121, 119, 255, 118];
        Assert.Equal([1, 5], SyncMarkDetector.FindFlashFrames(luma));

        var samples = new short[48_000 * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / 48_000;
            var inBeep = t % 1 is >= 0.25 and < 0.30;
            samples[i] = (short)((inBeep ? 0.5 : 0.01) * short.MaxValue * Math.Sin(2 * Math.PI * 1000 * t));
        }

        var onsets = SyncMarkDetector.FindBeepOnsets(samples, 48_000);
        Assert.Equal(2, onsets.Count);
        Assert.InRange(onsets[0], 0.249, 0.252);
        Assert.InRange(onsets[1], 1.249, 1.252);
    }
}
