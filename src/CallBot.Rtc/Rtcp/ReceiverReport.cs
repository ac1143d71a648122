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
public sealed record ReceiverReport : RtcpReport, IRtcpPacket<ReceiverReport>
{
    private const int Size = RtcpHeader.Size + 4;

    private protected override byte PacketType => RtcpPacketType.ReceiverReport;

    private protected override int FixedSize => Size;

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverReport? report, out RtcpDropReason reason)
    {
        report = null;
        if (!TryParseBlocks(packet, RtcpPacketType.ReceiverReport, Size, out var blocks, out reason))
        {
            return false;
        }

        report = new ReceiverReport { Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[SsrcOffset..]), ReportBlocks = blocks };
        return true;
    }
}
