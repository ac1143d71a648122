using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>One FIR FCI entry: the SSRC asked to send a keyframe and a command sequence number (RFC 5104 §4.3.1.1).</summary>
public readonly record struct FirEntry(uint Ssrc, byte SequenceNumber);

/// <summary>
/// FIR: Full Intra Request (RFC 5104 §4.3.1). The common "SSRC of media source" is 0; targets are in the FCI.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=4   |   PT=PSFB=206 |          length               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (unused, 0)             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                              SSRC                             |   (one or more)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Seq nr.       |    Reserved                                   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record FullIntraRequest : IRtcpPacket<FullIntraRequest>
{
    private const int FixedSize = 12;
    private const int EntrySize = 8;

    public uint SenderSsrc { get; init; }
    public uint MediaSsrc { get; init; }
    public IReadOnlyList<FirEntry> Entries { get; init; } = [];

    public static bool TryParse(ReadOnlySpan<byte> packet, out FullIntraRequest? fir, out RtcpDropReason reason)
    {
        fir = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatFir, FixedSize + EntrySize, out _, out var length, out reason))
        {
            return false;
        }

        var count = (length - FixedSize) / EntrySize;
        var entries = new FirEntry[count];
        for (var i = 0; i < count; i++)
        {
            var at = FixedSize + (i * EntrySize);
            entries[i] = new FirEntry(BinaryPrimitives.ReadUInt32BigEndian(packet[at..]), packet[at + 4]);
        }

        fir = new FullIntraRequest
        {
            SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            MediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            Entries = entries,
        };
        return true;
    }

    public int GetSize() => FixedSize + (Entries.Count * EntrySize);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Entries.Count == 0)
        {
            return false;
        }

        RtcpHeader.For(RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatFir, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], MediaSsrc);
        for (var i = 0; i < Entries.Count; i++)
        {
            var at = FixedSize + (i * EntrySize);
            BinaryPrimitives.WriteUInt32BigEndian(destination[at..], Entries[i].Ssrc);
            destination[at + 4] = Entries[i].SequenceNumber;
            destination.Slice(at + 5, 3).Clear();
        }

        written = size;
        return true;
    }
}
