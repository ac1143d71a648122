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

    private static int Even(int value) => Math.Max(16, value & ~1);
}
