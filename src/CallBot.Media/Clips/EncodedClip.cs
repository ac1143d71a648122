using CallBot.Abstractions;

namespace CallBot.Media.Clips;

/// <summary>
/// One encoded stream, held in memory, immutable and shared read-only by every sender in the process.
/// </summary>
/// <remarks>
/// All frame payloads are slices of one buffer, so a clip is one large allocation plus one array of frame descriptors.
/// Frame timestamps start at 0 in the codec's clock; each frame's duration runs to the next frame, and the last one to
/// <see cref="Duration"/>, so a sender that adds <see cref="Duration"/> per loop keeps timestamps seamless.
/// Frame 0 is always a key frame.
/// </remarks>
public sealed class EncodedClip
{
    /// <summary>
    /// Payload bytes per RTP packet when a frame is split: the peer connection's packets are at most 1,200 bytes
    /// (<c>PeerConnectionOptions.Mtu</c>) less the RTP header, its extensions and the VP8/H.264 payload header.
    /// </summary>
    public const int PacketPayloadBytes = 1_150;

    /// <summary>
    /// What each RTP packet adds on the wire (UDP payload) to the frame's bytes: 12 bytes of RTP header, ~12 of header
    /// extensions (transport-cc sequence number, mid), ~4 of payload header and SRTP's 10-byte authentication tag.
    /// </summary>
    public const int PacketOverheadBytes = 40;

    private readonly EncodedFrame[] _frames;

    internal EncodedClip(CodecId codec, ReadOnlyMemory<byte> buffer, EncodedFrame[] frames, long duration, string description, int nominalBitrateKbps)
    {
        Codec = codec;
        Buffer = buffer;
        _frames = frames;
        Duration = duration;
        Description = description;
        NominalBitrateKbps = nominalBitrateKbps;
        var keys = 0;
        long wireBytes = 0;
        foreach (var f in frames)
        {
            keys += f.IsKeyFrame ? 1 : 0;
            var packets = Math.Max(1, (f.Data.Length + PacketPayloadBytes - 1) / PacketPayloadBytes);
            wireBytes += f.Data.Length + ((long)packets * PacketOverheadBytes);
        }

        KeyFrameCount = keys;
        WireBitrateKbps = duration == 0 ? 0 : wireBytes * 8.0 / 1000 / ((double)duration / codec.ClockRate());
    }

    public CodecId Codec { get; }

    public MediaKind Kind => Codec.Kind();

    public int ClockRate => Codec.ClockRate();

    /// <summary>The one buffer every frame's payload is a slice of.</summary>
    public ReadOnlyMemory<byte> Buffer { get; }

    public int Count => _frames.Length;

    public ReadOnlySpan<EncodedFrame> Frames => _frames;

    public ref readonly EncodedFrame this[int index] => ref _frames[index];

    /// <summary>Length in clock-rate units.</summary>
    public long Duration { get; }

    public TimeSpan DurationTime => TimeSpan.FromSeconds((double)Duration / ClockRate);

    public int KeyFrameCount { get; }

    /// <summary>The bitrate the profile asked for (what a ladder compares to a target bitrate).</summary>
    public int NominalBitrateKbps { get; }

    /// <summary>
    /// What sending the clip costs the network (kbit/s of UDP payload): its frames' bytes plus
    /// <see cref="PacketOverheadBytes"/> for each packet a frame needs at <see cref="PacketPayloadBytes"/> per packet.
    /// A ladder compares this, not the nominal bitrate, to the send-side estimate: an encoder overshoots or undershoots
    /// what it was asked for, and every packet carries headers.
    /// </summary>
    public double WireBitrateKbps { get; }

    /// <summary>The bitrate actually produced.</summary>
    public double MeasuredBitrateKbps => Duration == 0 ? 0 : Buffer.Length * 8.0 / 1000 / ((double)Duration / ClockRate);

    /// <summary>Profile and source, for logs.</summary>
    public string Description { get; }

    public override string ToString() => $"{Description} ({Count} frames, {DurationTime.TotalSeconds:0.###} s, {Buffer.Length} bytes)";
}
