using System.Buffers.Binary;
using CallBot.Abstractions;
using CallBot.Media.Clips;

namespace CallBot.Media.Tests;

/// <summary>
/// Hand-made clips for pacing tests: each frame's payload starts with [tag, frame index (4 bytes BE)] so a sink can tell
/// exactly which frame it got, and is as long as <c>bitrateKbps</c> makes a frame (a ladder chooses by the bytes sent).
/// </summary>
internal static class TestClips
{
    /// <param name="producedKbps">What the frames' sizes add up to; null = <paramref name="bitrateKbps"/> (the nominal rate).</param>
    public static EncodedClip Make(CodecId codec, int frames, int frameDuration, int keyInterval, byte tag = 0, int bitrateKbps = 100, int? producedKbps = null)
    {
        var size = (int)Math.Max(5, (long)(producedKbps ?? bitrateKbps) * 1000 / 8 * frameDuration / codec.ClockRate());
        var builder = new EncodedClipBuilder(codec, (long)frames * frameDuration, frames * size);
        Span<byte> payload = new byte[size];
        for (var i = 0; i < frames; i++)
        {
            payload[0] = tag;
            BinaryPrimitives.WriteInt32BigEndian(payload[1..], i);
            builder.Add(payload, (long)i * frameDuration, i % keyInterval == 0);
        }

        return builder.Build($"test {codec} tag {tag}", bitrateKbps);
    }

    public static (byte Tag, int Index) Decode(in EncodedFrame frame)
        => (frame.Data.Span[0], BinaryPrimitives.ReadInt32BigEndian(frame.Data.Span[1..]));

    /// <summary>One second of 30 fps video, key frame every 10 frames.</summary>
    public static EncodedClip Video(byte tag = 0, int bitrateKbps = 100, int? producedKbps = null) => Make(CodecId.Vp8, 30, 3000, 10, tag, bitrateKbps, producedKbps);

    /// <summary>One second of 20 ms Opus packets.</summary>
    public static EncodedClip Audio(byte tag = 0) => Make(CodecId.Opus, 50, 960, 1, tag);
}

/// <summary>Keeps what it receives (copying tag and index, not the bytes).</summary>
internal sealed class RecordingSink : IEncodedFrameSink
{
    public List<(long Timestamp, int Duration, bool Key, byte Tag, int Index)> Frames { get; } = [];

    public void OnFrame(in EncodedFrame frame)
    {
        var (tag, index) = TestClips.Decode(frame);
        Frames.Add((frame.Timestamp, frame.Duration, frame.IsKeyFrame, tag, index));
    }
}
