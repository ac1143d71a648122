using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Media.Tests.Clips;

public sealed class ProfileAndSourceTests
{
    [Theory]
    [InlineData(CodecId.Opus, 640, 360, 30)]  // not a video codec
    [InlineData(CodecId.Vp8, 641, 360, 30)]   // odd width
    [InlineData(CodecId.Vp8, 640, 360, 7)]    // 90000 / 7 is not whole: timestamps would drift
    [InlineData(CodecId.H264, 8, 8, 30)]      // too small
    public void Video_profiles_that_codecs_cannot_honour_are_rejected(CodecId codec, int width, int height, int fps)
        => Assert.Throws<ArgumentException>(() => new VideoProfile(codec, width, height, fps).Validate());

    [Fact]
    public void Audio_profiles_out_of_range_are_rejected_and_defaults_are_browser_like()
    {
        Assert.Throws<ArgumentException>(() => new AudioProfile(Channels: 3).Validate());
        Assert.Throws<ArgumentException>(() => new AudioProfile(BitrateKbps: 1).Validate());
        var defaults = new AudioProfile().Validate();
        Assert.Equal((32, 1), (defaults.BitrateKbps, defaults.Channels));
        Assert.Equal(960, AudioProfile.PacketDuration);
    }

    [Fact]
    public void A_three_step_ladder_halves_and_quarters_the_resolution_and_sorts_by_bitrate()
    {
        var ladder = VideoLadder.ThreeStep(new VideoProfile(CodecId.Vp8, 1280, 720, 30, 1500));
        Assert.Equal([(320, 180, 250), (640, 360, 600), (1280, 720, 1500)], ladder.Renditions.Select(r => (r.Width, r.Height, r.BitrateKbps)));
        Assert.Throws<ArgumentException>(() => new VideoLadder([new VideoProfile(FrameRate: 30), new VideoProfile(FrameRate: 15)]));
    }

    [Fact]
    public async Task A_missing_font_is_a_clear_error_before_ffmpeg_runs()
    {
        var source = new SyntheticSource(new SyntheticSourceOptions { FontFile = "/nonexistent/font.ttf" });
        var error = await Assert.ThrowsAsync<FfmpegException>(() =>
            new ClipEncoder(new FfmpegRunner()).EncodeAsync(source, new VideoProfile(), TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.InputMissing, error.Kind);
        Assert.Contains("fonts-dejavu-core", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user 42", "user 42")]
    [InlineData("it's:a,test'", "itsatest")]
    [InlineData("%{eif:1:d}", "eif1d")]          // drawtext expansion cannot be injected
    [InlineData("'''", "callbot")]
    public void Labels_keep_only_characters_that_need_no_escaping(string label, string expected)
        => Assert.Equal(expected, SyntheticSource.SafeLabel(label));

    [Fact]
    public void Clip_length_of_a_file_is_its_whole_seconds_within_the_profile()
    {
        Assert.Equal(2, ClipEncoder.ClipSecondsFor(new SourceInfo(true, true, TimeSpan.FromSeconds(2.9), "x"), 10));
        Assert.Equal(10, ClipEncoder.ClipSecondsFor(new SourceInfo(true, true, TimeSpan.FromSeconds(99), "x"), 10));
        Assert.Equal(1, ClipEncoder.ClipSecondsFor(new SourceInfo(true, true, TimeSpan.FromSeconds(0.3), "x"), 10));
        Assert.Equal(10, ClipEncoder.ClipSecondsFor(new SourceInfo(true, false, null, "image"), 10));
    }
}
