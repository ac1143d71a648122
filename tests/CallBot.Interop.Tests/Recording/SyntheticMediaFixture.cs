using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// The synthetic card (white flash on frame 0 of every second, 50 ms 1 kHz beep at every whole second) encoded once per
/// test run: VP8 320x180/30 fps with a keyframe every 2 s (a PLI is needed to get one sooner), Opus 20 ms mono.
/// </summary>
public sealed class SyntheticMediaFixture : IAsyncLifetime
{
    public const int FrameRate = 30;
    public const int ClipSeconds = 10;
    public static readonly VideoProfile Video = new(CodecId.Vp8, 320, 180, FrameRate, 400, KeyFrameInterval: 2 * FrameRate, ClipSeconds: ClipSeconds);
    public static readonly AudioProfile Audio = new(32, 1, ClipSeconds);

    /// <summary>Encodes run once per machine (ClipCache keys them by content, profile and FFmpeg version); on the shared
    /// 2-core machine a cold encode under a full-solution build took over 2 minutes, hence the longer timeout.</summary>
    public static readonly string ClipCacheDirectory = Path.Combine(Path.GetTempPath(), "callbot-rece2e-clips");

    public FfmpegRunner Ffmpeg { get; } = new(new FfmpegOptions { RunTimeout = TimeSpan.FromMinutes(10) });

    public EncodedTrack VideoTrack { get; private set; } = null!;

    public EncodedTrack AudioTrack { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var cache = new ClipCache(new ClipEncoder(Ffmpeg), new ClipCacheOptions { DiskDirectory = ClipCacheDirectory });
        var source = new SyntheticSource(new SyntheticSourceOptions { Label = "rece2e" });
        var video = cache.GetVideoTrackAsync(source, VideoLadder.Of(Video));
        var audio = cache.GetAudioTrackAsync(source, Audio);
        VideoTrack = await video;
        AudioTrack = await audio;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
