using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// SR: sender report (RFC 3550 §6.4.1).
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         SSRC of sender                        |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |              NTP timestamp, most significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |             NTP timestamp, least significant word             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         RTP timestamp                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     sender's packet count                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      sender's octet count                     |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 report blocks (RC × 24 bytes)                 |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// A profile-specific extension after the report blocks is tolerated and ignored.
/// </remarks>
public sealed record SenderReport : RtcpReport, IRtcpPacket<SenderReport>
{
    private const int Size = RtcpHeader.Size + 24;

    public ulong NtpTimestamp { get; init; }
    public uint RtpTimestamp { get; init; }
    public uint PacketCount { get; init; }
    public uint OctetCount { get; init; }

    private protected override byte PacketType => RtcpPacketType.SenderReport;

    private protected override int FixedSize => Size;

    public static bool TryParse(ReadOnlySpan<byte> packet, out SenderReport? report, out RtcpDropReason reason)
    {
        report = null;
        if (!TryParseBlocks(packet, RtcpPacketType.SenderReport, Size, out var blocks, out reason))
        {
            return false;
        }

        report = new SenderReport
        {
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[SsrcOffset..]),
            NtpTimestamp = BinaryPrimitives.ReadUInt64BigEndian(packet[8..]),
            RtpTimestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]),
            PacketCount = BinaryPrimitives.ReadUInt32BigEndian(packet[20..]),
            OctetCount = BinaryPrimitives.ReadUInt32BigEndian(packet[24..]),
            ReportBlocks = blocks,
        };
        return true;
    }

    private protected override void WriteSenderInfo(Span<byte> packet)
    {
        BinaryPrimitives.WriteUInt64BigEndian(packet[8..], NtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet[16..], RtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet[20..], PacketCount);
        BinaryPrimitives.WriteUInt32BigEndian(packet[24..], OctetCount);
    }
}
