namespace CallBot.Abstractions;

/// <summary>
/// One encoded access unit: a whole VP8 frame, an H.264 access unit in Annex B form, or one Opus packet.
/// </summary>
/// <remarks>
/// <see cref="Data"/> is only valid for the duration of the call that hands the frame over, unless the producer
/// documents otherwise (shared pre-encoded clips are immutable and live as long as the clip cache).
/// A consumer that keeps the bytes must copy them.
/// </remarks>
/// <param name="Codec">The codec of <paramref name="Data"/>.</param>
/// <param name="Data">The encoded bytes.</param>
/// <param name="Timestamp">Presentation time in units of the codec's clock rate, unwrapped (monotonic, 64-bit).</param>
/// <param name="Duration">Duration in clock-rate units (e.g. 960 for 20 ms of Opus, 3000 for a 30 fps video frame).</param>
/// <param name="IsKeyFrame">True for a video frame that decodes on its own; always true for audio.</param>
public readonly record struct EncodedFrame(
    CodecId Codec,
    ReadOnlyMemory<byte> Data,
    long Timestamp,
    int Duration,
    bool IsKeyFrame);

/// <summary>Receives encoded frames (a sender that packetizes them, or a recorder that muxes them).</summary>
public interface IEncodedFrameSink
{
    void OnFrame(in EncodedFrame frame);
}
