using System.Globalization;
using CallBot.Abstractions;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Media.Clips;

/// <summary>Encodes one stream of a source to a profile by running FFmpeg once, and parses the result into an <see cref="EncodedClip"/>.</summary>
public sealed class ClipEncoder
{
    private readonly FfmpegRunner _ffmpeg;

    public ClipEncoder(FfmpegRunner ffmpeg) => _ffmpeg = ffmpeg ?? throw new ArgumentNullException(nameof(ffmpeg));

    public FfmpegRunner Ffmpeg => _ffmpeg;

    /// <summary>
    /// Clip length for a source: the profile's length for generators and stills; for a timed file, its whole seconds,
    /// at most the profile's length and at least 1 s.
    /// </summary>
    public static int ClipSecondsFor(SourceInfo info, int profileSeconds)
    {
        ArgumentNullException.ThrowIfNull(info);
        return info.Duration is { } d ? Math.Clamp((int)Math.Floor(d.TotalSeconds), 1, profileSeconds) : profileSeconds;
    }

    /// <summary>Encodes the video of <paramref name="source"/> (black if it has none) and returns FFmpeg's raw output (IVF or Annex B).</summary>
    public Task<byte[]> EncodeVideoBytesAsync(MediaSource source, SourceInfo info, VideoProfile profile, int clipSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(profile);
        profile.Validate();
        var input = info.HasVideo ? source.VideoInput(profile, clipSeconds) : FillerSource.Instance.VideoInput(profile, clipSeconds);
        return RunAsync(VideoArguments(input, profile, clipSeconds), cancellationToken);
    }

    /// <summary>Encodes the audio of <paramref name="source"/> (silence if it has none) and returns FFmpeg's raw Ogg/Opus output.</summary>
    public Task<byte[]> EncodeAudioBytesAsync(MediaSource source, SourceInfo info, AudioProfile profile, int clipSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(profile);
        profile.Validate();
        var input = info.HasAudio ? source.AudioInput(profile, clipSeconds) : FillerSource.Instance.AudioInput(profile, clipSeconds);
        return RunAsync(AudioArguments(input, profile, clipSeconds), cancellationToken);
    }

    public async Task<EncodedClip> EncodeVideoAsync(MediaSource source, VideoProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(profile);
        var info = await source.DescribeAsync(_ffmpeg, cancellationToken).ConfigureAwait(false);
        var seconds = ClipSecondsFor(info, profile.ClipSeconds);
        var bytes = await EncodeVideoBytesAsync(source, info, profile, seconds, cancellationToken).ConfigureAwait(false);
        return ClipParser.Parse(bytes, profile.Codec, seconds, profile.FrameRate, $"{info.Identity} {profile.CacheKey}", profile.BitrateKbps);
    }

    public async Task<EncodedClip> EncodeAudioAsync(MediaSource source, AudioProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(profile);
        var info = await source.DescribeAsync(_ffmpeg, cancellationToken).ConfigureAwait(false);
        var seconds = ClipSecondsFor(info, profile.ClipSeconds);
        var bytes = await EncodeAudioBytesAsync(source, info, profile, seconds, cancellationToken).ConfigureAwait(false);
        return ClipParser.Parse(bytes, CodecId.Opus, seconds, 0, $"{info.Identity} {profile.CacheKey}", profile.BitrateKbps);
    }

    /// <summary>The FFmpeg arguments of a video encode (public for logs and tests).</summary>
    public static List<string> VideoArguments(FfmpegInput input, VideoProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(profile);
        var inv = CultureInfo.InvariantCulture;
        var w = profile.Width.ToString(inv);
        var h = profile.Height.ToString(inv);
        var k = profile.KeyFrameInterval.ToString(inv);
        var rate = $"{profile.BitrateKbps.ToString(inv)}k";
        var normalise = $"fps={profile.FrameRate.ToString(inv)},scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p";
        var args = new List<string>(input.InputArguments)
        {
            "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", input.Filter is null ? normalise : $"{input.Filter},{normalise}",
            "-t", clipSeconds.ToString(inv),
            "-b:v", rate, "-maxrate", rate, "-bufsize", rate,
            "-g", k, "-keyint_min", k,
            // Key frames exactly every K frames, never elsewhere: renditions of a ladder align on them.
            "-force_key_frames", $"expr:eq(mod(n,{k}),0)",
        };
        var codec = CodecTable.Get(profile.Codec);
        args.AddRange(codec.FfmpegEncodeArguments);
        if (codec.Id == CodecId.H264 && (long)profile.Width * profile.Height <= 1280L * 720 && profile.FrameRate <= 30)
        {
            args.AddRange(["-level:v", "3.1"]); // profile-level-id 42e01f, what browsers offer first
        }

        args.AddRange(["-f", codec.FfmpegFormat, "pipe:1"]);

        return args;
    }

    /// <summary>The FFmpeg arguments of an audio encode.</summary>
    public static List<string> AudioArguments(FfmpegInput input, AudioProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(profile);
        var inv = CultureInfo.InvariantCulture;
        const string normalise = "aresample=48000";
        var opus = CodecTable.Get(CodecId.Opus);
        var args = new List<string>(input.InputArguments)
        {
            "-map", "0:a:0", "-vn", "-sn", "-dn",
            "-af", input.Filter is null ? normalise : $"{input.Filter},{normalise}",
            "-t", clipSeconds.ToString(inv),
            "-ac", profile.Channels.ToString(inv),
            "-b:a", $"{profile.BitrateKbps.ToString(inv)}k",
        };
        args.AddRange(opus.FfmpegEncodeArguments);
        args.AddRange(["-f", opus.FfmpegFormat, "pipe:1"]);
        return args;
    }

    private async Task<byte[]> RunAsync(List<string> arguments, CancellationToken cancellationToken)
    {
        arguments.InsertRange(0, ["-v", "error"]);
        var result = await _ffmpeg.RunAsync(arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Stdout;
    }
}
