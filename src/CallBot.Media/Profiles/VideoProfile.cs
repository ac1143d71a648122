using System.Globalization;
using CallBot.Abstractions;

namespace CallBot.Media.Profiles;

/// <summary>
/// How one video rendition is encoded. Every clip is a whole number of seconds long, so audio (20 ms packets) and video
/// (any integer frame rate) loops end on the same instant and A/V sync holds across loops.
/// </summary>
/// <param name="Codec">VP8 or H.264 (constrained baseline, no B-frames, as browsers negotiate it).</param>
/// <param name="Width">Output width; the source is scaled to fit and letterboxed.</param>
/// <param name="Height">Output height.</param>
/// <param name="FrameRate">Frames per second (integer).</param>
/// <param name="BitrateKbps">Target bitrate.</param>
/// <param name="KeyFrameInterval">Frames between key frames; key frames are forced at exactly these positions (a ladder's renditions align on them).</param>
/// <param name="ClipSeconds">Length of the clip in whole seconds; for a file source, the maximum (the file is cut to whole seconds).</param>
public sealed record VideoProfile(
    CodecId Codec = CodecId.Vp8,
    int Width = 640,
    int Height = 360,
    int FrameRate = 30,
    int BitrateKbps = 600,
    int KeyFrameInterval = 60,
    int ClipSeconds = 10) : IClipProfile
{
    public const int MaxDimension = 4096;
    public const int MaxFrameRate = 120;
    public const int MaxClipSeconds = 3600;

    /// <summary>Frame duration in 90 kHz units.</summary>
    public int FrameDuration => Codec.ClockRate() / FrameRate;

    /// <summary>Throws <see cref="ArgumentException"/> for values FFmpeg or the codecs cannot honour.</summary>
    public VideoProfile Validate()
    {
        if (Codec.Kind() != MediaKind.Video)
        {
            throw new ArgumentException($"{Codec} is not a video codec", nameof(Codec));
        }

        if (Width is < 16 or > MaxDimension || Height is < 16 or > MaxDimension || Width % 2 != 0 || Height % 2 != 0)
        {
            throw new ArgumentException($"resolution {Width}x{Height} must be even and within 16..{MaxDimension}", nameof(Width));
        }

        if (FrameRate is < 1 or > MaxFrameRate || Codec.ClockRate() % FrameRate != 0)
        {
            throw new ArgumentException($"frame rate {FrameRate} must divide 90000 and be within 1..{MaxFrameRate}", nameof(FrameRate));
        }

        if (BitrateKbps is < 10 or > 50_000)
        {
            throw new ArgumentException($"bitrate {BitrateKbps} kbps is out of range 10..50000", nameof(BitrateKbps));
        }

        if (KeyFrameInterval < 1)
        {
            throw new ArgumentException("key frame interval must be at least 1 frame", nameof(KeyFrameInterval));
        }

        if (ClipSeconds is < 1 or > MaxClipSeconds)
        {
            throw new ArgumentException($"clip length {ClipSeconds} s is out of range 1..{MaxClipSeconds}", nameof(ClipSeconds));
        }

        return this;
    }

    IClipProfile IClipProfile.Validate() => Validate();

    /// <summary>
    /// The profile of this rendition's key-frame-only twin (<see cref="Clips.EncodedTrack.KeyFrameRenditions"/>): every
    /// frame a key frame, asked for at half the bitrate. libvpx's rate control cannot hold an all-intra stream to its
    /// target (key frames have a quantizer floor): at 600 kbit/s asked it produced 1.2 Mbit/s for 640x360@30, and at
    /// 300 kbit/s asked the same bytes as the 600 kbit/s rendition (docs/performance.md). So the twin costs the wire about
    /// what the rendition does while it stands in for it, at lower quality (PSNR about 33 dB against it).
    /// </summary>
    public VideoProfile KeyFrameOnly() => this with { KeyFrameInterval = 1, BitrateKbps = Math.Max(10, BitrateKbps / 2) };

    /// <summary>Stable text for cache keys.</summary>
    public string CacheKey => string.Create(CultureInfo.InvariantCulture,
        $"video:{Codec}:{Width}x{Height}@{FrameRate}:{BitrateKbps}k:g{KeyFrameInterval}:{ClipSeconds}s");
}
