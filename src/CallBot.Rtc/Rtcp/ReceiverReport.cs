using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// RR: receiver report (RFC 3550 §6.4.2).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     SSRC of packet sender                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC × 24 bytes)                 |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </remarks>
public sealed record ReceiverReport : IRtcpPacket
{
    private const int FixedSize = RtcpHeader.Size + 4;

    public uint Ssrc { get; init; }
    public IReadOnlyList<ReportBlock> ReportBlocks { get; init; } = [];

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverReport? report, out RtcpDropReason reason)
    {
        report = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.ReceiverReport, -1, FixedSize, out var header, out var length, out reason))
        {
            return false;
        }

        if (!ReportBlock.TryReadList(packet[FixedSize..length], header.Count, out var blocks))
        {
            reason = RtcpDropReason.BadCount;
            return false;
        }

        report = new ReceiverReport { Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]), ReportBlocks = blocks };
        return true;
    }

    public int GetSize() => FixedSize + (ReportBlocks.Count * ReportBlock.Size);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || ReportBlocks.Count > RtcpHeader.MaxCount)
        {
            return false;
        }

        RtcpHeader.For(RtcpPacketType.ReceiverReport, ReportBlocks.Count, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        for (var i = 0; i < ReportBlocks.Count; i++)
        {
            ReportBlocks[i].Write(destination[(FixedSize + (i * ReportBlock.Size))..]);
        }

        written = size;
        return true;
    }
}
