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
        if (!ReportBlock.TryParseReport(packet, RtcpPacketType.ReceiverReport, FixedSize, out var blocks, out reason))
        {
            return false;
        }

        report = new ReceiverReport { Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]), ReportBlocks = blocks };
        return true;
    }

    public int GetSize() => ReportBlock.ReportSize(FixedSize, ReportBlocks);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        if (!ReportBlock.TryWriteReport(destination, RtcpPacketType.ReceiverReport, FixedSize, ReportBlocks, out written))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], Ssrc);
        return true;
    }
}
