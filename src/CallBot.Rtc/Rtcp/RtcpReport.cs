using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// What SR and RR (RFC 3550 §6.4) share: the reporter's SSRC, RC report blocks after a fixed part, and the framing of
/// both. The two differ only in the sender info an SR carries between its SSRC and the blocks.
/// </summary>
public abstract record RtcpReport : IRtcpPacket
{
    private protected const int SsrcOffset = RtcpHeader.Size;

    /// <summary>SSRC of the packet sender.</summary>
    public uint Ssrc { get; init; }

    public IReadOnlyList<ReportBlock> ReportBlocks { get; init; } = [];

    /// <summary><see cref="RtcpPacketType.SenderReport"/> or <see cref="RtcpPacketType.ReceiverReport"/>.</summary>
    private protected abstract byte PacketType { get; }

    /// <summary>Header, SSRC and sender info: the bytes before the first report block.</summary>
    private protected abstract int FixedSize { get; }

    public int GetSize() => FixedSize + (ReportBlocks.Count * ReportBlock.Size);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || ReportBlocks.Count > RtcpHeader.MaxCount)
        {
            return false;
        }

        RtcpHeader.For(PacketType, ReportBlocks.Count, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SsrcOffset..], Ssrc);
        WriteSenderInfo(destination);
        for (var i = 0; i < ReportBlocks.Count; i++)
        {
            ReportBlocks[i].Write(destination[(FixedSize + (i * ReportBlock.Size))..]);
        }

        written = size;
        return true;
    }

    /// <summary>Writes what lies between the SSRC and the first report block (nothing in an RR).</summary>
    private protected virtual void WriteSenderInfo(Span<byte> packet)
    {
    }

    /// <summary>Checks the header (type, length, at least <paramref name="fixedSize"/> bytes) and reads the RC report
    /// blocks after the fixed part; the caller reads the SSRC and sender info when this returns true.</summary>
    private protected static bool TryParseBlocks(
        ReadOnlySpan<byte> packet, byte type, int fixedSize, out ReportBlock[] blocks, out RtcpDropReason reason)
    {
        blocks = [];
        if (!RtcpHeader.TryParseExpected(packet, type, -1, fixedSize, out var header, out var length, out reason))
        {
            return false;
        }

        if (!ReportBlock.TryReadList(packet[fixedSize..length], header.Count, out blocks))
        {
            reason = RtcpDropReason.BadCount;
            return false;
        }

        return true;
    }
}
