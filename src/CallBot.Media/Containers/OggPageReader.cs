using System.Buffers.Binary;

namespace CallBot.Media.Containers;

/// <summary>One Ogg page: header fields plus its segment table and body, both slices of the input.</summary>
public readonly record struct OggPage(byte HeaderType, long GranulePosition, uint Serial, uint Sequence, ReadOnlyMemory<byte> SegmentTable, ReadOnlyMemory<byte> Body)
{
    public const byte ContinuedFlag = 0x01;
    public const byte BeginOfStreamFlag = 0x02;
    public const byte EndOfStreamFlag = 0x04;

    public bool IsContinued => (HeaderType & ContinuedFlag) != 0;
}

/// <summary>
/// Walks the pages of an Ogg stream (RFC 3533), checking every length against the input and the CRC of every page.
/// </summary>
/// <remarks>
/// <code>
///  0   4  capture pattern "OggS"
///  4   1  stream structure version (0)
///  5   1  header type: 0x01 continued packet, 0x02 first page, 0x04 last page
///  6   8  granule position (little endian, codec-defined; -1 = no packet ends here)
/// 14   4  bitstream serial number
/// 18   4  page sequence number
/// 22   4  CRC checksum (computed with this field zeroed)
/// 26   1  number of segments n
/// 27   n  segment table (lacing values; a packet ends at a value below 255)
/// 27+n    body: sum of lacing values bytes
/// </code>
/// </remarks>
public sealed class OggPageReader
{
    public const int HeaderSize = 27;
    private const uint CapturePattern = 0x5367674F; // "OggS" read little endian
    private const int VersionOffset = 4;
    private const int HeaderTypeOffset = 5;
    private const int GranuleOffset = 6;
    private const int SerialOffset = 14;
    private const int SequenceOffset = 18;
    private const int CrcOffset = 22;
    private const int SegmentCountOffset = 26;

    private readonly ReadOnlyMemory<byte> _input;
    private int _position;

    public OggPageReader(ReadOnlyMemory<byte> input) => _input = input;

    public ContainerError Error { get; private set; }

    public bool TryReadNext(out OggPage page)
    {
        page = default;
        if (Error != ContainerError.None)
        {
            return false;
        }

        var span = _input.Span[_position..];
        if (span.IsEmpty)
        {
            return false;
        }

        if (span.Length < HeaderSize)
        {
            return Fail(ContainerError.Truncated);
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != CapturePattern || span[VersionOffset] != 0)
        {
            return Fail(ContainerError.BadSignature);
        }

        int segments = span[SegmentCountOffset];
        if (span.Length < HeaderSize + segments)
        {
            return Fail(ContainerError.Truncated);
        }

        var table = span.Slice(HeaderSize, segments);
        var bodyLength = 0;
        foreach (var lacing in table)
        {
            bodyLength += lacing;
        }

        var pageLength = HeaderSize + segments + bodyLength;
        if (span.Length < pageLength)
        {
            return Fail(ContainerError.Truncated);
        }

        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[CrcOffset..]);
        var crc = OggCrc.Compute(span[..CrcOffset]);
        crc = OggCrc.Compute([0, 0, 0, 0], crc);
        crc = OggCrc.Compute(span[(CrcOffset + 4)..pageLength], crc);
        if (crc != expectedCrc)
        {
            return Fail(ContainerError.BadChecksum);
        }

        page = new OggPage(
            span[HeaderTypeOffset],
            BinaryPrimitives.ReadInt64LittleEndian(span[GranuleOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[SerialOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(span[SequenceOffset..]),
            _input.Slice(_position + HeaderSize, segments),
            _input.Slice(_position + HeaderSize + segments, bodyLength));
        _position += pageLength;
        return true;
    }

    private bool Fail(ContainerError error)
    {
        Error = error;
        return false;
    }
}
