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

    /// <summary>
    /// Encodes the video or audio of <paramref name="source"/> (black or silence if it has none) and returns FFmpeg's raw
    /// output (IVF or Annex B, or Ogg/Opus).
    /// </summary>
    public Task<byte[]> EncodeBytesAsync(MediaSource source, SourceInfo info, IClipProfile profile, int clipSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(profile);
        var arguments = profile.Validate() switch
        {
            VideoProfile video => VideoArguments((info.HasVideo ? source : FillerSource.Instance).VideoInput(video, clipSeconds), video, clipSeconds),
            AudioProfile audio => AudioArguments((info.HasAudio ? source : FillerSource.Instance).AudioInput(audio, clipSeconds), audio, clipSeconds),
            _ => throw new ArgumentException($"no FFmpeg arguments for a {profile.GetType().Name}", nameof(profile)),
        };
        return RunAsync(arguments, cancellationToken);
    }

    public async Task<EncodedClip> EncodeAsync(MediaSource source, IClipProfile profile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(profile);
        var info = await source.DescribeAsync(_ffmpeg, cancellationToken).ConfigureAwait(false);
        var seconds = ClipSecondsFor(info, profile.ClipSeconds);
        var bytes = await EncodeBytesAsync(source, info, profile, seconds, cancellationToken).ConfigureAwait(false);
        return Parse(bytes, info, profile, seconds);
    }

    /// <summary>The clip in FFmpeg's output of an encode of <paramref name="info"/>'s source to <paramref name="profile"/> (fresh or cached).</summary>
    public static EncodedClip Parse(ReadOnlyMemory<byte> encoded, SourceInfo info, IClipProfile profile, int clipSeconds)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(profile);
        return ClipParser.Parse(encoded, profile.Codec, clipSeconds, profile.FrameRate, Describe(info, profile), profile.BitrateKbps);
    }

    /// <summary>How logs and errors name a clip: the source's identity and the profile's cache key.</summary>
    public static string Describe(SourceInfo info, IClipProfile profile)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(profile);
        return $"{info.Identity} {profile.CacheKey}";
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
