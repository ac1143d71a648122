using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;

namespace CallBot.Media.Sources;

/// <summary>FFmpeg input for one stream of a source: input arguments (<c>-f lavfi -i …</c> or <c>-i file</c>) plus an optional filter chain applied first.</summary>
/// <param name="InputArguments">Arguments that open the input (input options and <c>-i</c>).</param>
/// <param name="Filter">Filters for the stream before the profile's normalisation (scale, fps, format), or null.</param>
public sealed record FfmpegInput(IReadOnlyList<string> InputArguments, string? Filter);

/// <summary>What a source holds, found once before encoding.</summary>
/// <param name="HasVideo">The source has a video stream.</param>
/// <param name="HasAudio">The source has an audio stream.</param>
/// <param name="Duration">Length of the source, or null when unbounded or unknown (a still image, a generator).</param>
/// <param name="Identity">Stable text that changes whenever the content changes (part of the clip cache key).</param>
public sealed record SourceInfo(bool HasVideo, bool HasAudio, TimeSpan? Duration, string Identity);

/// <summary>Something FFmpeg can turn into audio and video: a generator (<see cref="SyntheticSource"/>) or a file (<see cref="FileSource"/>).</summary>
public abstract class MediaSource
{
    /// <summary>Describes the source (streams, duration, identity for the cache). May run ffprobe; called once per encode.</summary>
    public abstract Task<SourceInfo> DescribeAsync(FfmpegRunner ffmpeg, CancellationToken cancellationToken);

    /// <summary>FFmpeg input for the video stream, rendered for <paramref name="profile"/>.</summary>
    public abstract FfmpegInput VideoInput(VideoProfile profile, int clipSeconds);

    /// <summary>FFmpeg input for the audio stream.</summary>
    public abstract FfmpegInput AudioInput(AudioProfile profile, int clipSeconds);
}
