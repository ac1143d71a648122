using System.Buffers.Binary;

namespace CallBot.Rtc.Rtcp;

/// <summary>
/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
/// </summary>
/// <remarks>
/// <code>
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |                 SSRC_1 (SSRC of first source)                 |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | fraction lost |       cumulative number of packets lost       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           extended highest sequence number received           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                      interarrival jitter                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         last SR (LSR)                         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   delay since last SR (DLSR)                  |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// </code>
/// </remarks>
/// <param name="CumulativeLost">Signed 24-bit (duplicates can make it negative); clamped on write.</param>
/// <param name="LastSenderReport">Middle 32 bits of the NTP timestamp of the last SR received (0 if none).</param>
/// <param name="DelaySinceLastSenderReport">In units of 1/65536 s.</param>
public readonly record struct ReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint HighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport)
{
    public const int Size = 24;
    private const int MaxLost = 0x7FFFFF;
    private const int MinLost = -0x800000;

    internal static ReportBlock Read(ReadOnlySpan<byte> data)
    {
        var lost = (data[5] << 16) | (data[6] << 8) | data[7];
        if ((lost & 0x800000) != 0)
        {
            lost |= unchecked((int)0xFF000000);
        }

        return new ReportBlock(
            BinaryPrimitives.ReadUInt32BigEndian(data),
            data[4],
            lost,
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
    }

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        var lost = Math.Clamp(CumulativeLost, MinLost, MaxLost);
        destination[4] = FractionLost;
        destination[5] = (byte)(lost >> 16);
        destination[6] = (byte)(lost >> 8);
        destination[7] = (byte)lost;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], HighestSequence);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSenderReport);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSenderReport);
    }

    internal static bool TryReadList(ReadOnlySpan<byte> data, int count, out ReportBlock[] blocks)
    {
        if (data.Length < count * Size)
        {
            blocks = [];
            return false;
        }

        blocks = count == 0 ? [] : new ReportBlock[count];
        for (var i = 0; i < count; i++)
        {
            blocks[i] = Read(data[(i * Size)..]);
        }

        return true;
    }
}
