using CallBot.Abstractions;

namespace CallBot.Media.Clips;

/// <summary>
/// What a sender plays: one or more aligned renditions of a source (a bitrate ladder; audio has one) and the filler clip
/// (black / silence) it sends while muted, and optionally a key-frame-only twin of each rendition that answers a
/// keyframe request in place (see <see cref="KeyFrameRenditions"/>). Immutable and shared.
/// </summary>
public sealed class EncodedTrack
{
    /// <param name="renditions">The ladder, any order (sorted here by nominal bitrate).</param>
    /// <param name="filler">Black video or silence sent while muted.</param>
    /// <param name="keyFrameRenditions">
    /// For each rendition, the same source encoded with every frame a key frame, frame-aligned with it; matched to the
    /// renditions by position in the given order (so give both lists in the same order). Null: a keyframe request can
    /// only be answered by restarting the clip.
    /// </param>
    public EncodedTrack(IReadOnlyList<EncodedClip> renditions, EncodedClip? filler = null, IReadOnlyList<EncodedClip>? keyFrameRenditions = null)
    {
        ArgumentNullException.ThrowIfNull(renditions);
        if (renditions.Count == 0)
        {
            throw new ArgumentException("a track needs at least one rendition", nameof(renditions));
        }

        if (keyFrameRenditions is not null && keyFrameRenditions.Count != renditions.Count)
        {
            throw new ArgumentException($"{keyFrameRenditions.Count} key frame renditions for {renditions.Count} renditions", nameof(keyFrameRenditions));
        }

        var order = new int[renditions.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Stable (insertion) sort: equal bitrates keep their given order, like List.Sort would not guarantee.
        for (var i = 1; i < order.Length; i++)
        {
            for (var j = i; j > 0 && renditions[order[j]].NominalBitrateKbps < renditions[order[j - 1]].NominalBitrateKbps; j--)
            {
                (order[j], order[j - 1]) = (order[j - 1], order[j]);
            }
        }

        var sorted = new EncodedClip[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sorted[i] = renditions[order[i]];
        }

        var first = sorted[0];
        for (var r = 1; r < sorted.Length; r++)
        {
            EnsureAligned(first, sorted[r]);
        }

        if (filler is not null && (filler.Codec != first.Codec || !filler[0].IsKeyFrame))
        {
            throw new ArgumentException("the filler must be of the track's codec and start with a key frame", nameof(filler));
        }

        if (keyFrameRenditions is not null)
        {
            var keys = new EncodedClip[order.Length];
            for (var i = 0; i < order.Length; i++)
            {
                keys[i] = keyFrameRenditions[order[i]];
                EnsureKeyFrameTwin(sorted[i], keys[i]);
            }

            KeyFrameRenditions = keys;
        }

        Renditions = sorted;
        Filler = filler;
    }

    public CodecId Codec => Renditions[0].Codec;

    public MediaKind Kind => Codec.Kind();

    /// <summary>Renditions, lowest nominal bitrate first; all have the same frame count, timestamps and key frame positions.</summary>
    public IReadOnlyList<EncodedClip> Renditions { get; }

    /// <summary>Black video or silence, sent while muted; null if the sender must stop instead.</summary>
    public EncodedClip? Filler { get; }

    /// <summary>
    /// Null, or for each of <see cref="Renditions"/> (same index) its key-frame-only twin: the same frames, timestamps
    /// and resolution, every frame a key frame. A sender answers a keyframe request with the twin's frame at its current
    /// position and stays on the twin until the rendition's own next key frame (VP8 inter frames reference the last and
    /// golden frames, and an H.264 IDR empties the reference list, so the rendition's inter frames cannot follow a frame
    /// of another encode without drifting or failing to decode).
    /// </summary>
    public IReadOnlyList<EncodedClip>? KeyFrameRenditions { get; }

    /// <summary>Frame count of every rendition.</summary>
    public int FrameCount => Renditions[0].Count;

    /// <summary>
    /// The highest rendition whose cost on the wire (<see cref="EncodedClip.WireBitrateKbps"/>: measured bytes plus packet
    /// headers) fits <paramref name="targetKbps"/>, else the lowest. The target is the video's share of the send-side
    /// estimate (audio's allowance already taken out, as libwebrtc gives its encoder the estimate less audio and
    /// protection), so a rendition that fits it leaves the rest for FEC and keeps the link's queue from growing; the
    /// nominal bitrate would not: libvpx overshoots it by 5–15 % here, and headers add ~4 % more.
    /// </summary>
    public int SelectRendition(int targetKbps)
    {
        var chosen = 0;
        for (var i = 1; i < Renditions.Count; i++)
        {
            if (Renditions[i].WireBitrateKbps <= targetKbps)
            {
                chosen = i;
            }
        }

        return chosen;
    }

    public static EncodedTrack Of(EncodedClip clip, EncodedClip? filler = null) => new([clip], filler);

    private static void EnsureKeyFrameTwin(EncodedClip rendition, EncodedClip twin)
    {
        if (rendition.Codec != twin.Codec || rendition.Count != twin.Count || rendition.Duration != twin.Duration)
        {
            throw new ArgumentException($"key frame rendition is not aligned with its rendition: {rendition} vs {twin}");
        }

        for (var i = 0; i < rendition.Count; i++)
        {
            if (rendition[i].Timestamp != twin[i].Timestamp || !twin[i].IsKeyFrame)
            {
                throw new ArgumentException($"key frame rendition differs at frame {i} (timestamp, or not a key frame): {twin}");
            }
        }
    }

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
