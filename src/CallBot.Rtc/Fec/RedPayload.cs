using System.Buffers.Binary;

namespace CallBot.Rtc.Fec;

/// <summary>One block of a RED payload: its payload type, timestamp offset back from the RTP timestamp, and where its data is.</summary>
public readonly record struct RedBlock(byte PayloadType, int TimestampOffset, int Offset, int Length);

/// <summary>
/// The RED payload format (RFC 2198 §3): block headers, then the blocks' data in the same order. Chrome sends video as
/// RED with one block (media or ULPFEC, told apart by the block's payload type) and audio as RED with the primary
/// encoding plus up to two redundant earlier frames.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |F|   block PT  |  timestamp offset         |   block length    |   F=1: a redundant block follows
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0|   block PT  |                                                   F=0: the last (primary) block, length = the rest
/// +-+-+-+-+-+-+-+-+
/// </code>
/// Limits (remote values): at most <see cref="MaxBlocks"/> blocks, every length inside the payload; anything else is
/// rejected with a <see cref="FecDropReason"/>. Nothing is allocated: blocks are written to a caller's span.
/// </remarks>
public static class RedPayload
{
    /// <summary>Most blocks accepted in one packet: Chrome sends at most 3 (primary + 2 redundant) for audio, 1 for video.</summary>
    public const int MaxBlocks = 8;

    public const int RedundantHeaderSize = 4;
    public const int PrimaryHeaderSize = 1;

    /// <summary>Largest timestamp offset the 14-bit field carries.</summary>
    public const int MaxTimestampOffset = (1 << 14) - 1;

    /// <summary>Largest block length the 10-bit field carries.</summary>
    public const int MaxBlockLength = (1 << 10) - 1;

    private const int FollowBit = 0x80;
    private const int PayloadTypeMask = 0x7F;

    /// <summary>
    /// Splits <paramref name="payload"/> (the RTP payload of a RED packet) into <paramref name="blocks"/>, redundant ones
    /// first and the primary last (as on the wire). Returns false, with a reason, for a malformed packet.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, Span<RedBlock> blocks, out int count, out FecDropReason reason)
    {
        count = 0;
        var headers = 0;
        var offset = 0;

        // First pass: the headers, to learn where the data starts.
        while (true)
        {
            if (offset >= payload.Length)
            {
                reason = FecDropReason.TooShort;
                return false;
            }

            if (headers == MaxBlocks || headers == blocks.Length)
            {
                reason = FecDropReason.TooManyBlocks;
                return false;
            }

            headers++;
            if ((payload[offset] & FollowBit) == 0)
            {
                offset += PrimaryHeaderSize;
                break;
            }

            if (payload.Length - offset < RedundantHeaderSize)
            {
                reason = FecDropReason.TooShort;
                return false;
            }

            offset += RedundantHeaderSize;
        }

        var data = offset;
        var header = 0;
        for (var i = 0; i < headers - 1; i++, header += RedundantHeaderSize)
        {
            var word = BinaryPrimitives.ReadUInt32BigEndian(payload[header..]);
            var length = (int)(word & MaxBlockLength);
            if (payload.Length - data < length)
            {
                reason = FecDropReason.BlockOverrun;
                return false;
            }

            blocks[i] = new RedBlock((byte)((word >> 24) & PayloadTypeMask), (int)((word >> 10) & MaxTimestampOffset), data, length);
            data += length;
        }

        blocks[headers - 1] = new RedBlock((byte)(payload[header] & PayloadTypeMask), 0, data, payload.Length - data);
        count = headers;
        reason = FecDropReason.None;
        return true;
    }

    /// <summary>Writes a RED payload with one (primary) block: how Chrome carries every video packet and every ULPFEC packet.</summary>
    public static bool TryWritePrimary(byte payloadType, ReadOnlySpan<byte> block, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < PrimaryHeaderSize + block.Length)
        {
            return false;
        }

        destination[0] = (byte)(payloadType & PayloadTypeMask);
        block.CopyTo(destination[PrimaryHeaderSize..]);
        written = PrimaryHeaderSize + block.Length;
        return true;
    }

    /// <summary>
    /// Writes a RED payload with one redundant block (an earlier frame, <paramref name="timestampOffset"/> ticks back) and
    /// the primary block: audio RED. False when the redundant block does not fit the 10/14-bit fields or the buffer.
    /// </summary>
    public static bool TryWrite(
        byte payloadType, ReadOnlySpan<byte> redundant, int timestampOffset, ReadOnlySpan<byte> primary, Span<byte> destination, out int written)
    {
        written = 0;
        var size = RedundantHeaderSize + PrimaryHeaderSize + redundant.Length + primary.Length;
        if (redundant.Length > MaxBlockLength || (uint)timestampOffset > MaxTimestampOffset || destination.Length < size)
        {
            return false;
        }

        var pt = (uint)(payloadType & PayloadTypeMask);
        BinaryPrimitives.WriteUInt32BigEndian(destination, ((uint)FollowBit << 24) | (pt << 24) | ((uint)timestampOffset << 10) | (uint)redundant.Length);
        destination[RedundantHeaderSize] = (byte)pt;
        redundant.CopyTo(destination[(RedundantHeaderSize + PrimaryHeaderSize)..]);
        primary.CopyTo(destination[(RedundantHeaderSize + PrimaryHeaderSize + redundant.Length)..]);
        written = size;
        return true;
    }
}
