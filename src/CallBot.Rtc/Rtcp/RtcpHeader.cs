using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// The common RTCP header (RFC 3550 §6.4.1).
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  Count  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// Count is RC, SC or FMT depending on PT; length is in 32-bit words minus one.
/// </code>
/// </remarks>
public readonly record struct RtcpHeader(bool Padding, int Count, byte PacketType, int LengthWords)
{
    public const int Size = 4;
    public const int MaxCount = 31;
    private const int Version2 = 2;
    private const int VersionShift = 6;
    private const int PaddingBit = 0x20;
    private const int CountMask = 0x1F;

    /// <summary>Total packet length in bytes, header included.</summary>
    public int PacketLength => (LengthWords + 1) * 4;

    public static bool TryParse(ReadOnlySpan<byte> data, out RtcpHeader header, out RtcpDropReason reason)
    {
        header = default;
        if (data.Length < Size)
        {
            reason = RtcpDropReason.TooShort;
            return false;
        }

        if (data[0] >> VersionShift != Version2)
        {
            reason = RtcpDropReason.BadVersion;
            return false;
        }

        header = new RtcpHeader(
            (data[0] & PaddingBit) != 0,
            data[0] & CountMask,
            data[1],
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]));
        reason = RtcpDropReason.None;
        return true;
    }

    /// <summary>Creates a header for a packet of <paramref name="packetLength"/> bytes (a multiple of 4).</summary>
    public static RtcpHeader For(byte packetType, int count, int packetLength) =>
        new(false, count, packetType, (packetLength / 4) - 1);

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)((Version2 << VersionShift) | (Padding ? PaddingBit : 0) | (Count & CountMask));
        destination[1] = PacketType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)LengthWords);
    }

    /// <summary>
    /// Parses the header at the start of <paramref name="packet"/> (one packet, exactly its length) and checks that it has the expected
    /// type (and FMT when <paramref name="format"/> is not negative) and at least <paramref name="minLength"/> bytes.
    /// Returns the body length without padding.
    /// </summary>
    internal static bool TryParseExpected(
        ReadOnlySpan<byte> packet, byte packetType, int format, int minLength, out RtcpHeader header, out int contentLength, out RtcpDropReason reason)
    {
        contentLength = 0;
        if (!TryParse(packet, out header, out reason))
        {
            return false;
        }

        if (header.PacketType != packetType || (format >= 0 && header.Count != format))
        {
            reason = RtcpDropReason.WrongType;
            return false;
        }

        if (packet.Length < header.PacketLength)
        {
            reason = RtcpDropReason.LengthOverrun;
            return false;
        }

        contentLength = header.PacketLength;
        if (header.Padding)
        {
            var padding = packet[header.PacketLength - 1];
            if (padding == 0 || padding > header.PacketLength - Size)
            {
                reason = RtcpDropReason.BadPadding;
                return false;
            }

            contentLength -= padding;
        }

        if (contentLength < minLength)
        {
            reason = RtcpDropReason.TooShort;
            return false;
        }

        return true;
    }
}
