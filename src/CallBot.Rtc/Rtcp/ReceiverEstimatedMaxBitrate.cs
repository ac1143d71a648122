using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// REMB: receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03), an application-layer PSFB message.
/// </summary>
/// <remarks>
/// <code>
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P| FMT=15  |   PT=206      |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of packet sender                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of media source (0)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Num SSRC     | BR Exp    |  BR Mantissa (18 bits)            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   SSRC feedback (Num SSRC × 4 bytes)                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public sealed record ReceiverEstimatedMaxBitrate : IRtcpPacket
{
    private const int FixedSize = 20;
    private const uint Identifier = 0x52454D42; // "REMB"
    private const int MantissaBits = 18;
    private const uint MantissaMask = (1u << MantissaBits) - 1;
    private const int ExponentMask = 0x3F;

    public uint SenderSsrc { get; init; }

    /// <summary>Bits per second. Written as mantissa × 2^exp, so it is rounded down to 18 significant bits.</summary>
    public ulong Bitrate { get; init; }

    public IReadOnlyList<uint> Ssrcs { get; init; } = [];

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverEstimatedMaxBitrate? remb, out RtcpDropReason reason)
    {
        remb = null;
        if (!RtcpHeader.TryParseExpected(packet, RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatApplicationLayer, FixedSize, out _, out var length, out reason))
        {
            return false;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(packet[12..]) != Identifier)
        {
            reason = RtcpDropReason.WrongType;
            return false;
        }

        var count = packet[16];
        if (FixedSize + (count * 4) > length)
        {
            reason = RtcpDropReason.BadCount;
            return false;
        }

        var exponent = (packet[17] >> 2) & ExponentMask;
        var mantissa = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]) & MantissaMask;
        var ssrcs = new uint[count];
        for (var i = 0; i < count; i++)
        {
            ssrcs[i] = BinaryPrimitives.ReadUInt32BigEndian(packet[(FixedSize + (i * 4))..]);
        }

        // Exponents above 46 overflow 64 bits with an 18-bit mantissa; saturate.
        var bitrate = exponent > 64 - MantissaBits ? ulong.MaxValue : (ulong)mantissa << exponent;
        remb = new ReceiverEstimatedMaxBitrate
        {
            SenderSsrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            Bitrate = bitrate,
            Ssrcs = ssrcs,
        };
        return true;
    }

    public int GetSize() => FixedSize + (Ssrcs.Count * 4);

    public bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Ssrcs.Count > byte.MaxValue)
        {
            return false;
        }

        var exponent = 0;
        var mantissa = Bitrate;
        while (mantissa > MantissaMask)
        {
            mantissa >>= 1;
            exponent++;
        }

        RtcpHeader.For(RtcpPacketType.PayloadFeedback, RtcpPacketType.FormatApplicationLayer, size).Write(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SenderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Identifier);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], ((uint)Ssrcs.Count << 24) | ((uint)exponent << MantissaBits) | (uint)mantissa);
        for (var i = 0; i < Ssrcs.Count; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(FixedSize + (i * 4))..], Ssrcs[i]);
        }

        written = size;
        return true;
    }
}
