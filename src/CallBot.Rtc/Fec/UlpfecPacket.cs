using System.Buffers.Binary;

namespace CallBot.Rtc.Fec;

/// <summary>The fields of a parsed ULPFEC packet (RFC 5109 §7.3–7.4, level 0 only, as WebRTC sends it).</summary>
public readonly record struct UlpfecHeader(
    byte RecoveryByte0,
    byte RecoveryByte1,
    ushort SequenceBase,
    uint TimestampRecovery,
    ushort LengthRecovery,
    int ProtectionLength,
    ulong Mask,
    int PayloadOffset)
{
    /// <summary>True when the packet protects sequence number <c>SequenceBase + index</c>.</summary>
    public bool Protects(int index) => (uint)index < UlpfecPacket.MaxProtected && (Mask & (1UL << (UlpfecPacket.MaxProtected - 1 - index))) != 0;
}

/// <summary>
/// The ULPFEC packet layout (RFC 5109 §7): the FEC header carries the XOR of the protected packets' first two header
/// bytes (P, X, CC, M, PT), timestamps and lengths; the level-0 header the protected length and the mask of the
/// sequence numbers (bit 0 = SN base); the level-0 payload the XOR of everything after their 12-byte fixed headers.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |E|L|P|X|  CC   |M| PT recovery |            SN base            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          TS recovery                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        length recovery        |       protection length       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  mask (16 bits; 48 when L=1)  |  mask cont. ...                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 level-0 payload (protection length)           |
/// </code>
/// Levels above 0 (unequal protection) are not sent by WebRTC; a packet's bytes after the level-0 payload are ignored.
/// </remarks>
public static class UlpfecPacket
{
    public const int HeaderSize = 10;
    public const int ShortLevelHeaderSize = 4;
    public const int LongLevelHeaderSize = 8;

    /// <summary>Most media packets one FEC packet protects (the long mask: 48 bits).</summary>
    public const int MaxProtected = 48;

    /// <summary>Largest media packet protected or recovered (a datagram's worth), bounding every buffer of the encoder and decoder.</summary>
    public const int MaxMediaPacketSize = 1500;

    /// <summary>Largest level-0 protection length accepted: a media packet after its fixed header.</summary>
    public const int MaxProtectionLength = MaxMediaPacketSize - Rtp.RtpHeader.FixedSize;

    /// <summary>Largest FEC packet (headers + level-0 payload) this side builds or accepts.</summary>
    public const int MaxSize = HeaderSize + LongLevelHeaderSize + MaxProtectionLength;

    private const int ExtensionBit = 0x80;
    private const int LongMaskBit = 0x40;
    private const ulong ShortMaskBits = 0xFFFF_0000_0000;

    public static bool TryParse(ReadOnlySpan<byte> fec, out UlpfecHeader header, out FecDropReason reason)
    {
        header = default;
        if (fec.Length < HeaderSize + ShortLevelHeaderSize)
        {
            reason = FecDropReason.TooShort;
            return false;
        }

        var b0 = fec[0];
        if ((b0 & ExtensionBit) != 0)
        {
            reason = FecDropReason.BadHeader;
            return false;
        }

        var longMask = (b0 & LongMaskBit) != 0;
        var levelHeader = longMask ? LongLevelHeaderSize : ShortLevelHeaderSize;
        if (fec.Length < HeaderSize + levelHeader)
        {
            reason = FecDropReason.TooShort;
            return false;
        }

        var protectionLength = BinaryPrimitives.ReadUInt16BigEndian(fec[10..]);
        ulong mask = BinaryPrimitives.ReadUInt16BigEndian(fec[12..]);
        mask <<= 32;
        if (longMask)
        {
            mask |= BinaryPrimitives.ReadUInt32BigEndian(fec[14..]);
        }

        if (mask == 0)
        {
            reason = FecDropReason.BadHeader;
            return false;
        }

        var payloadOffset = HeaderSize + levelHeader;
        if (protectionLength > MaxProtectionLength || fec.Length - payloadOffset < protectionLength)
        {
            reason = FecDropReason.BadProtectionLength;
            return false;
        }

        header = new UlpfecHeader(
            (byte)(b0 & ~(ExtensionBit | LongMaskBit)),
            fec[1],
            BinaryPrimitives.ReadUInt16BigEndian(fec[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(fec[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(fec[8..]),
            protectionLength,
            mask,
            payloadOffset);
        reason = FecDropReason.None;
        return true;
    }

    /// <summary>Writes the headers for a parity over the protected packets; the level-0 payload follows at the returned offset.</summary>
    internal static int WriteHeaders(
        Span<byte> destination, byte byte0, byte byte1, ushort sequenceBase, uint timestamp, ushort lengthRecovery, int protectionLength, ulong mask)
    {
        var longMask = (mask & ~ShortMaskBits) != 0;
        destination[0] = (byte)((byte0 & 0x3F) | (longMask ? LongMaskBit : 0));
        destination[1] = byte1;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], sequenceBase);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], timestamp);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], lengthRecovery);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)protectionLength);
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], (ushort)(mask >> 32));
        if (!longMask)
        {
            return HeaderSize + ShortLevelHeaderSize;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[14..], (uint)mask);
        return HeaderSize + LongLevelHeaderSize;
    }

    /// <summary>XORs <paramref name="source"/> into <paramref name="target"/> (the shorter one's length), a vector at a time.</summary>
    internal static void Xor(Span<byte> target, ReadOnlySpan<byte> source)
    {
        var n = Math.Min(target.Length, source.Length);
        var i = 0;
        var vectors = System.Numerics.Vector<byte>.Count;
        for (; i + vectors <= n; i += vectors)
        {
            var v = new System.Numerics.Vector<byte>(target[i..]) ^ new System.Numerics.Vector<byte>(source[i..]);
            v.CopyTo(target[i..]);
        }

        for (; i < n; i++)
        {
            target[i] ^= source[i];
        }
    }
}
