using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// PLI: Picture Loss Indication (RFC 4585 §6.3.1), a payload-specific feedback message with no FCI.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=1   |   PT=PSFB=206 |          length=2             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record PictureLossIndication(uint SenderSsrc, uint MediaSsrc) : IRtcpPacket<PictureLossIndication>
{
    public const int Size = 12;

    public static bool TryParse(ReadOnlySpan<byte> packet, out PictureLossIndication? pli, out RtcpDropReason reason)
    {
        pli = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatPli, Size, out _, out _, out reason))
        {
            return false;
        }

        pli = new PictureLossIndication(BinaryPrimitives.ReadUInt32BigEndian(packet[4..]), BinaryPrimitives.ReadUInt32BigEndian(packet[8..]));
        return true;
    }

    public int GetSize() => Size;

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < Size)
        {
            return false;
        }

        RtcpHeader.For(RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatPli, Size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], MediaSsrc);
        written = Size;
        return true;
    }
}
