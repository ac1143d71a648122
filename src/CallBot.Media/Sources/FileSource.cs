using System.Globalization;
using System.Security.Cryptography;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;

namespace CallBot.Media.Sources;

/// <summary>
/// Any file FFmpeg can read (mp4, webm, mkv, wav, ogg, y4m, still images…), transcoded once to the profile and looped.
/// </summary>
/// <remarks>
/// The clip is the first whole number of seconds of the file, at most the profile's <c>ClipSeconds</c> (at least 1 s; a
/// shorter file is padded by repeating its last frame / with silence). A still image is shown for <c>ClipSeconds</c>.
/// A missing track is generated rather than left out — black video for an audio-only file, silence for a video-only
/// file — because a call negotiates both m-lines and a browser sends black/silence for a disabled track too; the clip
/// cache does that (<see cref="Clips.ClipCache"/>), this class only reports which streams exist.
/// </remarks>
public sealed class FileSource : MediaSource
{
    private readonly string _path;
    private SourceInfo? _info;
    private bool _isImage;

    public FileSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
    }

    public string FilePath => _path;

    public override async Task<SourceInfo> DescribeAsync(FfmpegRunner ffmpeg, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ffmpeg);
        if (_info is { } known)
        {
            return known;
        }

        if (!File.Exists(_path))
        {
            throw new FfmpegException(FfmpegErrorKind.InputMissing, $"media file '{_path}' does not exist");
        }

        FfmpegResult probe;
        try
        {
            probe = await ffmpeg.ProbeAsync(
                ["-v", "error", "-show_entries", "format=duration,format_name:stream=codec_type", "-of", "default=noprint_wrappers=1", _path],
                cancellationToken).ConfigureAwait(false);
        }
        catch (FfmpegException e) when (e.Kind == FfmpegErrorKind.Failed)
        {
            throw new FfmpegException(FfmpegErrorKind.UnsupportedInput, $"'{_path}' is not a media file FFmpeg can read", e.StderrTail, e.ExitCode, e);
        }

        bool hasVideo = false, hasAudio = false;
        TimeSpan? duration = null;
        foreach (var raw in System.Text.Encoding.UTF8.GetString(probe.Stdout).Split('\n'))
        {
            var line = raw.Trim();
            if (line == "codec_type=video")
            {
                hasVideo = true;
            }
            else if (line == "codec_type=audio")
            {
                hasAudio = true;
            }
            else if (line.StartsWith("duration=", StringComparison.Ordinal)
                && double.TryParse(line.AsSpan("duration=".Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                duration = TimeSpan.FromSeconds(seconds);
            }
            else if (line.StartsWith("format_name=", StringComparison.Ordinal))
            {
                var format = line["format_name=".Length..];
                _isImage = format == "image2" || format.EndsWith("_pipe", StringComparison.Ordinal);
            }
        }

        if (!hasVideo && !hasAudio)
        {
            throw new FfmpegException(FfmpegErrorKind.UnsupportedInput, $"'{_path}' has neither an audio nor a video stream");
        }

        if (_isImage)
        {
            duration = null;
        }

        var hash = await HashFileAsync(cancellationToken).ConfigureAwait(false);
        _info = new SourceInfo(hasVideo, hasAudio, duration, $"file:sha256:{hash}:{(_isImage ? "image" : "av")}");
        return _info;
    }

    public override FfmpegInput VideoInput(VideoProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (_isImage)
        {
            return new FfmpegInput(
                ["-loop", "1", "-framerate", profile.FrameRate.ToString(CultureInfo.InvariantCulture), "-t", clipSeconds.ToString(CultureInfo.InvariantCulture), "-i", _path],
                null);
        }

        // Repeat the last frame if the file is shorter than the clip; the encoder cuts at the clip length.
        return new FfmpegInput(["-i", _path], "tpad=stop_mode=clone:stop=-1");
    }

    public override FfmpegInput AudioInput(AudioProfile profile, int clipSeconds) => new(["-i", _path], "apad");

    private async Task<string> HashFileAsync(CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var digest = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(digest);
    }
}
