using CallBot.Abstractions.Ffmpeg;

namespace CallBot.Media.Ffmpeg;

/// <summary>Where FFmpeg lives and how much it may cost. Bind from configuration section <c>Media:Ffmpeg</c>.</summary>
public sealed class FfmpegOptions
{
    /// <summary>Default upper bound of a one-shot run (an encode of a clip); the real time of a 30 s 720p VP8 encode is well below.</summary>
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Bytes of stderr kept (the tail); FFmpeg can print without end on a broken input.</summary>
    public const int DefaultStderrLimit = FfmpegProcess.DefaultStderrLimit;

    /// <summary>Largest encoded output read into memory (one clip rendition).</summary>
    public const int DefaultMaxOutputBytes = 256 * 1024 * 1024;

    /// <summary>Path of the ffmpeg executable, or a bare name looked up on PATH.</summary>
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>Path of the ffprobe executable, or a bare name looked up on PATH.</summary>
    public string FfprobePath { get; set; } = "ffprobe";

    public TimeSpan RunTimeout { get; set; } = DefaultRunTimeout;

    public int StderrLimit { get; set; } = DefaultStderrLimit;

    public int MaxOutputBytes { get; set; } = DefaultMaxOutputBytes;
}
