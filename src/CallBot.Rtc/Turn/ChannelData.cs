using System.Buffers.Binary;

namespace CallBot.Rtc.Turn;

/// <summary>
/// ChannelData message (RFC 8656 §12.4):
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Channel Number        |            Length             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                                                               |
/// /                       Application Data                        /
/// /                                                               /
/// |                                                               |
/// |                               +-------------------------------+
/// |                               |
/// +-------------------------------+
/// </code>
/// Over TCP/TLS the message is padded to a multiple of 4 bytes (§12.5); over UDP padding is optional
/// and a receiver accepts a datagram longer than 4 + Length.
/// </summary>
public static class ChannelData
{
    public const int HeaderSize = 4;
    private const int LengthOffset = 2;

    /// <summary>First channel number we bind (RFC 8656 §12).</summary>
    public const ushort MinChannel = 0x4000;

    /// <summary>RFC 8656 allows binding only up to 0x4FFF; we bind in that range.</summary>
    public const ushort MaxBindableChannel = 0x4FFF;

    /// <summary>RFC 5766 allowed up to 0x7FFF; received ChannelData is accepted in the old range too.</summary>
    public const ushort MaxChannel = 0x7FFF;

    /// <summary>First two bits 01: ChannelData rather than STUN (RFC 7983 range 64–79 for the first byte).</summary>
    public static bool LooksLikeChannelData(ReadOnlySpan<byte> data) => data.Length >= HeaderSize && (data[0] & 0xC0) == 0x40;

    public static bool IsValidChannel(ushort channel) => channel is >= MinChannel and <= MaxChannel;

    /// <summary>Reads the header of one ChannelData message; the payload is a slice of <paramref name="data"/>. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out ushort channel, out ReadOnlySpan<byte> payload, out TurnDropReason reason)
    {
        channel = 0;
        payload = default;
        if (data.Length < HeaderSize)
        {
            reason = TurnDropReason.TooShort;
            return false;
        }

        channel = BinaryPrimitives.ReadUInt16BigEndian(data);
        if (!IsValidChannel(channel))
        {
            reason = TurnDropReason.BadChannelNumber;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(data[LengthOffset..]);
        if (HeaderSize + length > data.Length)
        {
            reason = TurnDropReason.LengthMismatch;
            return false;
        }

        payload = data.Slice(HeaderSize, length);
        reason = TurnDropReason.None;
        return true;
    }

    /// <summary>Writes the 4-byte header in place before a payload already at <c>destination[4..]</c>.</summary>
    public static void WriteHeader(Span<byte> destination, ushort channel, int payloadLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, channel);
        BinaryPrimitives.WriteUInt16BigEndian(destination[LengthOffset..], (ushort)payloadLength);
    }

    /// <summary>Size on the wire: header + payload, rounded up to 4 bytes when <paramref name="padded"/> (stream transports).</summary>
    public static int GetFrameSize(int payloadLength, bool padded) =>
        padded ? (HeaderSize + payloadLength + 3) & ~3 : HeaderSize + payloadLength;
}
