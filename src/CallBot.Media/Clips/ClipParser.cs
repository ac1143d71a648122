using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Media.Containers;
using CallBot.Media.Ffmpeg;

namespace CallBot.Media.Clips;

/// <summary>Turns FFmpeg's encoded output (IVF for VP8, Annex B for H.264, Ogg for Opus) into an <see cref="EncodedClip"/>.</summary>
public static class ClipParser
{
    /// <summary>Parses <paramref name="encoded"/>; throws <see cref="FfmpegException"/> (BadOutput) if it is not a valid stream of <paramref name="codec"/>.</summary>
    /// <param name="encoded">The container bytes.</param>
    /// <param name="codec">The codec expected.</param>
    /// <param name="durationSeconds">Clip length; later frames are cut.</param>
    /// <param name="frameRate">Frame rate for H.264 (Annex B carries no timestamps); ignored otherwise.</param>
    /// <param name="description">For logs.</param>
    /// <param name="nominalBitrateKbps">The profile's bitrate.</param>
    public static EncodedClip Parse(ReadOnlyMemory<byte> encoded, CodecId codec, int durationSeconds, int frameRate, string description, int nominalBitrateKbps)
    {
        var duration = (long)durationSeconds * codec.ClockRate();
        var builder = new EncodedClipBuilder(codec, duration, encoded.Length);
        var error = codec switch
        {
            CodecId.Vp8 => ReadIvf(encoded, builder),
            CodecId.H264 => ReadAnnexB(encoded, builder, codec.ClockRate() / frameRate),
            CodecId.Opus => ReadOgg(encoded, builder),
            _ => throw new UnknownCodecException(codec.ToString()),
        };
        if (error != ContainerError.None)
        {
            throw new FfmpegException(FfmpegErrorKind.BadOutput, $"{codec} output of ffmpeg is invalid after {builder.Count} frames: {error}");
        }

        return builder.Build(description, nominalBitrateKbps);
    }

    private static ContainerError ReadIvf(ReadOnlyMemory<byte> encoded, EncodedClipBuilder builder)
    {
        if (!IvfReader.TryCreate(encoded, out var reader, out var error))
        {
            return error;
        }

        while (reader!.TryReadNext(out var frame))
        {
            builder.Add(frame.Data.Span, reader.ToClock(frame.Pts, CodecId.Vp8.ClockRate()), frame.IsKeyFrame);
        }

        return reader.Error;
    }

    private static ContainerError ReadAnnexB(ReadOnlyMemory<byte> encoded, EncodedClipBuilder builder, int frameDuration)
    {
        var reader = new AnnexBReader(encoded);
        long timestamp = 0;
        while (reader.TryReadNext(out var unit))
        {
            builder.Add(unit.Data.Span, timestamp, unit.IsKeyFrame);
            timestamp += frameDuration;
        }

        return reader.Error;
    }

    private static ContainerError ReadOgg(ReadOnlyMemory<byte> encoded, EncodedClipBuilder builder)
    {
        var reader = new OggOpusReader(encoded);
        while (reader.TryReadNext(out var packet))
        {
            builder.Add(packet.Data.Span, packet.Timestamp, isKeyFrame: true);
        }

        return reader.Error;
    }
}
