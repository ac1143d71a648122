using System.Buffers.Binary;
using System.Text;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// BYE (RFC 3550 §6.6).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           SSRC/CSRC  (SC times)               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     length    |               reason for leaving            ... (opt)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record Goodbye : IRtcpPacket<Goodbye>
{
    public IReadOnlyList<uint> Ssrcs { get; init; } = [];
    public string Reason { get; init; } = string.Empty;

    public static bool TryParse(ReadOnlySpan<byte> packet, out Goodbye? bye, out RtcpDropReason reason)
    {
        bye = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.Goodbye, -1, RtcpHeader.Size, out var header, out var length, out reason))
        {
            return false;
        }

        var reasonOffset = RtcpHeader.Size + (header.Count * 4);
        if (reasonOffset > length)
        {
            reason = RtcpDropReason.BadCount;
            return false;
        }

        var ssrcs = new uint[header.Count];
        for (var i = 0; i < ssrcs.Length; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(packet[(RtcpHeader.Size + (i * 4))..]);
        }

        var text = string.Empty;
        if (reasonOffset < length)
        {
            var textLength = packet[reasonOffset];
            if (reasonOffset + 1 + textLength > length)
            {
                reason = RtcpDropReason.Malformed;
                return false;
            }

            text = Encoding.UTF8.GetString(packet.Slice(reasonOffset + 1, textLength));
        }

        bye = new Goodbye { Ssrcs = ssrcs, Reason = text };
        return true;
    }

    public int GetSize()
    {
        var size = RtcpHeader.Size + (Ssrcs.Count * 4);
        if (Reason.Length > 0)
        {
            size += (1 + Encoding.UTF8.GetByteCount(Reason) + 3) & ~3;
        }

        return size;
    }

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Ssrcs.Count > RtcpHeader.MaxCount || Encoding.UTF8.GetByteCount(Reason) > byte.MaxValue)
        {
            return false;
        }

        destination[..size].Clear();
        RtcpHeader.For(RtcpPacketType.Goodbye, Ssrcs.Count, size).Write(destination);
        var offset = RtcpHeader.Size;
        for (var i = 0; i < Ssrcs.Count; i++, offset += 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], Ssrcs[i]);
        }

        if (Reason.Length > 0)
        {
            destination[offset] = (byte)Encoding.UTF8.GetBytes(Reason, destination[(offset + 1)..]);
        }

        written = size;
        return true;
    }
}
