using System.Globalization;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;

namespace CallBot.Media.Sources;

/// <summary>Black video and digital silence: what a muted sender sends (like a browser with <c>track.enabled = false</c>) and what fills a track a file lacks.</summary>
public sealed class FillerSource : MediaSource
{
    public static readonly FillerSource Instance = new();

    private FillerSource() { }

    public override Task<SourceInfo> DescribeAsync(FfmpegRunner ffmpeg, CancellationToken cancellationToken)
        => Task.FromResult(new SourceInfo(true, true, null, "filler:black+silence"));

    public override FfmpegInput VideoInput(VideoProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var graph = string.Create(CultureInfo.InvariantCulture,
            $"color=c=black:size={profile.Width}x{profile.Height}:rate={profile.FrameRate}:duration={clipSeconds}");
        return new FfmpegInput(["-f", "lavfi", "-i", graph], null);
    }

    public override FfmpegInput AudioInput(AudioProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var graph = string.Create(CultureInfo.InvariantCulture, $"anullsrc=channel_layout=mono:sample_rate=48000:duration={clipSeconds}");
        return new FfmpegInput(["-f", "lavfi", "-i", graph], null);
    }
}
