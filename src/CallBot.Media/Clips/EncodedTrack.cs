using CallBot.Abstractions;

namespace CallBot.Media.Clips;

/// <summary>
/// What a sender plays: one or more aligned renditions of a source (a bitrate ladder; audio has one) and the filler clip
/// (black / silence) it sends while muted. Immutable and shared.
/// </summary>
public sealed class EncodedTrack
{
    public EncodedTrack(IReadOnlyList<EncodedClip> renditions, EncodedClip? filler = null)
    {
        ArgumentNullException.ThrowIfNull(renditions);
        if (renditions.Count == 0)
        {
            throw new ArgumentException("a track needs at least one rendition", nameof(renditions));
        }

        var sorted = new List<EncodedClip>(renditions);
        sorted.Sort((a, b) => a.NominalBitrateKbps.CompareTo(b.NominalBitrateKbps));
        var first = sorted[0];
        for (var r = 1; r < sorted.Count; r++)
        {
            EnsureAligned(first, sorted[r]);
        }

        if (filler is not null && (filler.Codec != first.Codec || !filler[0].IsKeyFrame))
        {
            throw new ArgumentException("the filler must be of the track's codec and start with a key frame", nameof(filler));
        }

        Renditions = sorted.ToArray();
        Filler = filler;
    }

    public CodecId Codec => Renditions[0].Codec;

    public MediaKind Kind => Codec.Kind();

    /// <summary>Renditions, lowest bitrate first; all have the same frame count, timestamps and key frame positions.</summary>
    public IReadOnlyList<EncodedClip> Renditions { get; }

    /// <summary>Black video or silence, sent while muted; null if the sender must stop instead.</summary>
    public EncodedClip? Filler { get; }

    /// <summary>Frame count of every rendition.</summary>
    public int FrameCount => Renditions[0].Count;

    /// <summary>The highest rendition whose nominal bitrate fits <paramref name="targetKbps"/>, else the lowest.</summary>
    public int SelectRendition(int targetKbps)
    {
        var chosen = 0;
        for (var i = 1; i < Renditions.Count; i++)
        {
            if (Renditions[i].NominalBitrateKbps <= targetKbps)
            {
                chosen = i;
            }
        }

        return chosen;
    }

    public static EncodedTrack Of(EncodedClip clip, EncodedClip? filler = null) => new([clip], filler);

    private static void EnsureAligned(EncodedClip a, EncodedClip b)
    {
        if (a.Codec != b.Codec || a.Count != b.Count || a.Duration != b.Duration)
        {
            throw new ArgumentException($"renditions are not aligned: {a} vs {b}");
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].Timestamp != b[i].Timestamp || a[i].IsKeyFrame != b[i].IsKeyFrame)
            {
                throw new ArgumentException($"renditions differ at frame {i} (timestamp or key frame): a ladder needs forced, aligned key frames");
            }
        }
    }
}
