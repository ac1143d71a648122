using System.Buffers.Binary;

namespace CallBot.Rtc.Rtp;

/// <summary>
/// The fixed RTP header (RFC 3550 §5.1) plus the location of its CSRC list, header extension and padding.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |   (if X)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  header extension (length × 4 bytes)          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A parsed header does not copy the CSRC list or the extension block: read them from the same packet bytes
/// with <see cref="GetCsrc"/> and <see cref="TryGetExtension"/>. Those bytes must stay unchanged while the header is used.
/// For writing, set <see cref="Csrcs"/> and <see cref="Extensions"/>; the parsed offsets are ignored.
/// </remarks>
public struct RtpHeader : IEquatable<RtpHeader>
{
    public const int FixedSize = 12;
    public const int Version2 = 2;
    public const int MaxCsrcCount = 15;

    private const int VersionShift = 6;
    private const int PaddingBit = 0x20;
    private const int ExtensionBit = 0x10;
    private const int CsrcCountMask = 0x0F;
    private const int MarkerBit = 0x80;
    private const int PayloadTypeMask = 0x7F;
    private const int SequenceOffset = 2;
    private const int TimestampOffset = 4;
    private const int SsrcOffset = 8;
    private const int CsrcSize = 4;
    private const int ExtensionHeaderSize = 4;

    public bool Padding { get; set; }
    public bool Marker { get; set; }
    public byte PayloadType { get; set; }
    public ushort SequenceNumber { get; set; }
    public uint Timestamp { get; set; }
    public uint Ssrc { get; set; }

    /// <summary>CSRC count from a parsed header (or the length of <see cref="Csrcs"/> when writing).</summary>
    public int CsrcCount { get; set; }

    /// <summary>True when the parsed packet carries a header extension.</summary>
    public bool HasExtension { get; set; }

    /// <summary>The 16-bit "defined by profile" value of a parsed extension (0xBEDE one-byte, 0x100x two-byte).</summary>
    public ushort ExtensionProfile { get; set; }

    /// <summary>Offset in the packet of the extension elements (after the 4-byte extension header).</summary>
    public int ExtensionOffset { get; set; }

    /// <summary>Length in bytes of the extension elements.</summary>
    public int ExtensionLength { get; set; }

    /// <summary>Number of padding bytes at the end of the packet (including the count byte).</summary>
    public int PaddingLength { get; set; }

    /// <summary>CSRCs to write. Ignored by <see cref="TryParse"/>.</summary>
    public ReadOnlyMemory<uint> Csrcs { get; set; }

    /// <summary>Header extensions to write (RFC 8285). Ignored by <see cref="TryParse"/>.</summary>
    public RtpHeaderExtensionSet Extensions { get; set; }

    /// <summary>Parses the header of <paramref name="packet"/>; the payload is packet[headerLength..^PaddingLength].</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpHeader header, out int headerLength, out RtpDropReason reason)
    {
        header = default;
        headerLength = 0;
        if (packet.Length < FixedSize)
        {
            reason = RtpDropReason.TooShort;
            return false;
        }

        var b0 = packet[0];
        if (b0 >> VersionShift != Version2)
        {
            reason = RtpDropReason.BadVersion;
            return false;
        }

        var csrcCount = b0 & CsrcCountMask;
        var offset = FixedSize + (csrcCount * CsrcSize);
        if (packet.Length < offset)
        {
            reason = RtpDropReason.TooShort;
            return false;
        }

        header.Padding = (b0 & PaddingBit) != 0;
        header.Marker = (packet[1] & MarkerBit) != 0;
        header.PayloadType = (byte)(packet[1] & PayloadTypeMask);
        header.SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet[SequenceOffset..]);
        header.Timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet[TimestampOffset..]);
        header.Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[SsrcOffset..]);
        header.CsrcCount = csrcCount;

        if ((b0 & ExtensionBit) != 0)
        {
            if (packet.Length < offset + ExtensionHeaderSize)
            {
                reason = RtpDropReason.ExtensionOverrun;
                return false;
            }

            var profile = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]) * 4;
            offset += ExtensionHeaderSize;
            if (packet.Length - offset < length)
            {
                reason = RtpDropReason.ExtensionOverrun;
                return false;
            }

            if (!RtpHeaderExtensionReader.IsWellFormed(profile, packet.Slice(offset, length)))
            {
                reason = RtpDropReason.MalformedExtension;
                return false;
            }

            header.HasExtension = true;
            header.ExtensionProfile = profile;
            header.ExtensionOffset = offset;
            header.ExtensionLength = length;
            offset += length;
        }

        if (header.Padding)
        {
            var payloadAndPadding = packet.Length - offset;
            var padding = packet[^1];
            if (padding == 0 || padding > payloadAndPadding)
            {
                reason = RtpDropReason.BadPadding;
                return false;
            }

            header.PaddingLength = padding;
        }

        headerLength = offset;
        reason = RtpDropReason.None;
        return true;
    }

    /// <summary>Reads CSRC <paramref name="index"/> from the packet this header was parsed from.</summary>
    public readonly uint GetCsrc(ReadOnlySpan<byte> packet, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, CsrcCount);
        return BinaryPrimitives.ReadUInt32BigEndian(packet[(FixedSize + (index * CsrcSize))..]);
    }

    /// <summary>Finds the RFC 8285 element with <paramref name="id"/> in the packet this header was parsed from, without allocating.</summary>
    public readonly bool TryGetExtension(ReadOnlySpan<byte> packet, int id, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (!HasExtension || packet.Length < ExtensionOffset + ExtensionLength)
        {
            return false;
        }

        return RtpHeaderExtensionReader.TryFind(ExtensionProfile, packet.Slice(ExtensionOffset, ExtensionLength), id, out value);
    }

    /// <summary>Bytes <see cref="TryWrite"/> writes: fixed header, <see cref="Csrcs"/> and <see cref="Extensions"/>.</summary>
    public readonly int GetSize() => FixedSize + (Csrcs.Length * CsrcSize) + Extensions.GetSize();

    /// <summary>Writes the header (not the payload, not the padding bytes). Returns false if the buffer is short or there are too many CSRCs.</summary>
    public readonly bool TryWrite(Span<byte> destination, out int written)
    {
        written = 0;
        var size = GetSize();
        if (destination.Length < size || Csrcs.Length > MaxCsrcCount)
        {
            return false;
        }

        var extensionSize = Extensions.GetSize();
        destination[0] = (byte)((Version2 << VersionShift)
            | (Padding ? PaddingBit : 0)
            | (extensionSize > 0 ? ExtensionBit : 0)
            | Csrcs.Length);
        destination[1] = (byte)((Marker ? MarkerBit : 0) | (PayloadType & PayloadTypeMask));
        BinaryPrimitives.WriteUInt16BigEndian(destination[SequenceOffset..], SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[TimestampOffset..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[SsrcOffset..], Ssrc);
        var offset = FixedSize;
        var csrcs = Csrcs.Span;
        for (var i = 0; i < csrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[offset..], csrcs[i]);
            offset += CsrcSize;
        }

        if (extensionSize > 0)
        {
            Extensions.Write(destination.Slice(offset, extensionSize));
            offset += extensionSize;
        }

        written = offset;
        return true;
    }

    public readonly bool Equals(RtpHeader other) =>
        Padding == other.Padding && Marker == other.Marker && PayloadType == other.PayloadType
        && SequenceNumber == other.SequenceNumber && Timestamp == other.Timestamp && Ssrc == other.Ssrc
        && CsrcCount == other.CsrcCount && HasExtension == other.HasExtension && ExtensionProfile == other.ExtensionProfile
        && ExtensionOffset == other.ExtensionOffset && ExtensionLength == other.ExtensionLength && PaddingLength == other.PaddingLength;

    public override readonly bool Equals(object? obj) => obj is RtpHeader other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(Ssrc, SequenceNumber, Timestamp, PayloadType, Marker);

    public static bool operator ==(RtpHeader left, RtpHeader right) => left.Equals(right);

    public static bool operator !=(RtpHeader left, RtpHeader right) => !left.Equals(right);
}
