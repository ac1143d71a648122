using System.Buffers.Binary;
using System.Text;

namespace CallBot.Rtc.Rtcp;

/// <summary>One SDES chunk as CallBot uses it: an SSRC and its CNAME (other item types are skipped when parsing).</summary>
public readonly record struct SdesChunk(uint Ssrc, string Cname);

/// <summary>
/// SDES: source description (RFC 3550 §6.5). Only CNAME (item type 1) is kept.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                          SSRC/CSRC_1                          |   chunk 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |    CNAME=1    |     length    | user and domain name        ...
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  items ..., then one to four zero octets to the next 32-bit boundary
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </remarks>
public sealed record SourceDescription : IRtcpPacket<SourceDescription>
{
    public const byte CnameItem = 1;
    private const int MaxTextLength = 255;

    public IReadOnlyList<SdesChunk> Chunks { get; init; } = [];

    public static bool TryParse(ReadOnlySpan<byte> packet, out SourceDescription? sdes, out RtcpDropReason reason)
    {
        sdes = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.SourceDescription, -1, RtcpHeader.Size, out var header, out var length, out reason))
        {
            return false;
        }

        var chunks = new SdesChunk[header.Count];
        var offset = RtcpHeader.Size;
        for (var c = 0; c < header.Count; c++)
        {
            if (length - offset < 4)
            {
                reason = RtcpDropReason.BadCount;
                return false;
            }

            var ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[offset..]);
            offset += 4;
            var cname = string.Empty;
            while (true)
            {
                if (offset >= length)
                {
                    reason = RtcpDropReason.Malformed;
                    return false;
                }

                var type = packet[offset];
                if (type == 0)
                {
                    // End of items: skip the null octet and the padding to the next word.
                    offset = (offset + 4) & ~3;
                    break;
                }

                if (offset + 2 > length || offset + 2 + packet[offset + 1] > length)
                {
                    reason = RtcpDropReason.Malformed;
                    return false;
                }

                var textLength = packet[offset + 1];
                if (type == CnameItem)
                {
                    cname = Encoding.UTF8.GetString(packet.Slice(offset + 2, textLength));
                }

                offset += 2 + textLength;
            }

            chunks[c] = new SdesChunk(ssrc, cname);
        }

        sdes = new SourceDescription { Chunks = chunks };
        return true;
    }

    public int GetSize()
    {
        var size = RtcpHeader.Size;
        for (var i = 0; i < Chunks.Count; i++)
        {
            size += ChunkSize(Chunks[i]);
        }

        return size;
    }

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Chunks.Count > RtcpHeader.MaxCount)
        {
            return false;
        }

        for (var i = 0; i < Chunks.Count; i++)
        {
            if (Encoding.UTF8.GetByteCount(Chunks[i].Cname) > MaxTextLength)
            {
                return false;
            }
        }

        destination[..size].Clear();
        RtcpHeader.For(RtcpPacketType.SourceDescription, Chunks.Count, size).Write(destination);
        var offset = RtcpHeader.Size;
        for (var i = 0; i < Chunks.Count; i++)
        {
            var chunk = Chunks[i];
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], chunk.Ssrc);
            destination[offset + 4] = CnameItem;
            var textLength = Encoding.UTF8.GetBytes(chunk.Cname, destination[(offset + 6)..]);
            destination[offset + 5] = (byte)textLength;
            offset += ChunkSize(chunk);
        }

        written = size;
        return true;
    }

    // SSRC + type + length + text + at least one null octet, padded to 32 bits.
    private static int ChunkSize(SdesChunk chunk) => 4 + ((2 + Encoding.UTF8.GetByteCount(chunk.Cname) + 1 + 3) & ~3);
}
