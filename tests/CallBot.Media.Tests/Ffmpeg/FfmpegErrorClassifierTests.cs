using CallBot.Abstractions.Ffmpeg;

namespace CallBot.Media.Tests.Ffmpeg;

/// <summary>The one classifier serves the clip encoder and the recording muxer: FFmpeg's own messages (as it prints them) map to one kind each.</summary>
public sealed class FfmpegErrorClassifierTests
{
    [Theory]
    [InlineData("Error writing trailer of /dev/full: No space left on device", FfmpegErrorKind.DiskFull)]
    [InlineData("[out#0/webm @ 0x55] Error opening output /ro/a.webm: Read-only file system", FfmpegErrorKind.OutputUnwritable)]
    [InlineData("[in#0 @ 0x55] Error opening input: No such file or directory", FfmpegErrorKind.InputMissing)]
    [InlineData("/rec/a.webm: Permission denied", FfmpegErrorKind.InputMissing)]
    [InlineData("Unknown encoder 'libnothing'", FfmpegErrorKind.CodecFailure)]
    [InlineData("x.mp4: Invalid data found when processing input", FfmpegErrorKind.UnsupportedInput)]
    [InlineData("Conversion failed!", FfmpegErrorKind.Failed)]
    [InlineData("", FfmpegErrorKind.Failed)]
    public void Stderr_maps_to_one_kind(string stderr, FfmpegErrorKind expected) => Assert.Equal(expected, FfmpegErrorClassifier.Classify(stderr));

    [Fact]
    public void Disk_full_wins_over_the_generic_messages_printed_with_it()
        => Assert.Equal(FfmpegErrorKind.DiskFull, FfmpegErrorClassifier.Classify("av_interleaved_write_frame(): No space left on device\nConversion failed!"));
}
