using CallBot.Abstractions;

namespace CallBot.Media.Profiles;

/// <summary>
/// Several renditions of one video source, lowest bitrate first, that share codec, frame rate, key frame interval and
/// clip length, so their key frames sit at the same frame indexes and a sender can switch between them at any key frame.
/// Resolutions may differ (a VP8/H.264 key frame carries its own size).
/// </summary>
public sealed class VideoLadder
{
    public VideoLadder(IReadOnlyList<VideoProfile> renditions)
    {
        ArgumentNullException.ThrowIfNull(renditions);
        if (renditions.Count == 0)
        {
            throw new ArgumentException("a ladder needs at least one rendition", nameof(renditions));
        }

        var sorted = new List<VideoProfile>(renditions);
        sorted.Sort((a, b) => a.BitrateKbps.CompareTo(b.BitrateKbps));
        var first = sorted[0].Validate();
        foreach (var r in sorted)
        {
            r.Validate();
            if (r.Codec != first.Codec || r.FrameRate != first.FrameRate || r.KeyFrameInterval != first.KeyFrameInterval || r.ClipSeconds != first.ClipSeconds)
            {
                throw new ArgumentException("ladder renditions must share codec, frame rate, key frame interval and clip length", nameof(renditions));
            }
        }

        Renditions = sorted;
    }

    /// <summary>Renditions, lowest bitrate first.</summary>
    public IReadOnlyList<VideoProfile> Renditions { get; }

    public CodecId Codec => Renditions[0].Codec;

    /// <summary>One rendition only.</summary>
    public static VideoLadder Of(VideoProfile profile) => new([profile]);

    /// <summary>A typical three-step ladder (like a browser's simulcast layers): full, half and quarter resolution.</summary>
    public static VideoLadder ThreeStep(VideoProfile top)
    {
        ArgumentNullException.ThrowIfNull(top);
        return new VideoLadder([
            top,
            top with { Width = Even(top.Width / 2), Height = Even(top.Height / 2), BitrateKbps = Math.Max(10, top.BitrateKbps * 2 / 5) },
            top with { Width = Even(top.Width / 4), Height = Even(top.Height / 4), BitrateKbps = Math.Max(10, top.BitrateKbps / 6) },
        ]);
    }

    /// <summary>
    /// A four-step ladder with rungs about 2× apart: full, 3/4, 1/2 and 1/4 resolution at 1, 1/2, 1/4 and 1/10 of the top
    /// bitrate (for 1280x720 at 2.5 Mbit/s: 960x540 at 1,250, 640x360 at 625, 320x180 at 250 kbit/s, about libwebrtc's
    /// 720p simulcast bottom layer). Why not <see cref="ThreeStep"/> for a sender that must follow a bottleneck: its
    /// bottom rung (H/6) costs ~0.2 H on the wire with audio, so it cannot get under a cap of 0.2 H, and its 2.5× step
    /// from the middle rung to the top is more than a probe and the 1.5 × acknowledged-rate bound move the estimate at
    /// once. Encoding costs about 1.9× the top rung alone (ThreeStep: 1.3×).
    /// </summary>
    public static VideoLadder FourStep(VideoProfile top)
    {
        ArgumentNullException.ThrowIfNull(top);
        return new VideoLadder([
            top,
            top with { Width = Even(top.Width * 3 / 4), Height = Even(top.Height * 3 / 4), BitrateKbps = Math.Max(10, top.BitrateKbps / 2) },
            top with { Width = Even(top.Width / 2), Height = Even(top.Height / 2), BitrateKbps = Math.Max(10, top.BitrateKbps / 4) },
            top with { Width = Even(top.Width / 4), Height = Even(top.Height / 4), BitrateKbps = Math.Max(10, top.BitrateKbps / 10) },
        ]);
    }

    private static int Even(int value) => Math.Max(16, value & ~1);
}
