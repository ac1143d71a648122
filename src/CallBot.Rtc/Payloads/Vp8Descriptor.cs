namespace CallBot.Rtc.Payloads;

/// <summary>
/// The VP8 payload descriptor (RFC 7741 §4.2).
/// </summary>
/// <remarks>
/// <code>
///       0 1 2 3 4 5 6 7
///      +-+-+-+-+-+-+-+-+
///      |X|R|N|S|R| PID | (REQUIRED)
///      +-+-+-+-+-+-+-+-+
/// X:   |I|L|T|K| RSV   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// I:   |M| PictureID   | (OPTIONAL; M=1: 15-bit picture id over two bytes)
///      +-+-+-+-+-+-+-+-+
///      |   PictureID   |
///      +-+-+-+-+-+-+-+-+
/// L:   |   TL0PICIDX   | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// T/K: |TID|Y| KEYIDX  | (OPTIONAL)
///      +-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly record struct Vp8Descriptor
{
    private const byte ExtendedBit = 0x80;
    private const byte NonReferenceBit = 0x20;
    private const byte StartBit = 0x10;
    private const byte PartitionIndexMask = 0x07;
    private const byte PictureIdBit = 0x80;
    private const byte Tl0PicIdxBit = 0x40;
    private const byte TidBit = 0x20;
    private const byte KeyIdxBit = 0x10;
    private const byte LongPictureIdBit = 0x80;

    /// <summary>Largest descriptor: required byte, X byte, 2-byte picture id, TL0PICIDX, TID/KEYIDX.</summary>
    public const int MaxSize = 6;

    public bool NonReference { get; init; }
    public bool StartOfPartition { get; init; }
    public int PartitionIndex { get; init; }
    public bool HasPictureId { get; init; }

    /// <summary>True when the picture id is written in 15 bits (M=1); 7 bits otherwise.</summary>
    public bool LongPictureId { get; init; }

    public int PictureId { get; init; }
    public bool HasTl0PicIdx { get; init; }
    public byte Tl0PicIdx { get; init; }
    public bool HasTid { get; init; }
    public int Tid { get; init; }
    public bool LayerSync { get; init; }
    public bool HasKeyIdx { get; init; }
    public int KeyIdx { get; init; }

    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp8Descriptor descriptor, out int length)
    {
        descriptor = default;
        length = 0;
        if (payload.IsEmpty)
        {
            return false;
        }

        var b0 = payload[0];
        var offset = 1;
        var d = new Vp8Descriptor
        {
            NonReference = (b0 & NonReferenceBit) != 0,
            StartOfPartition = (b0 & StartBit) != 0,
            PartitionIndex = b0 & PartitionIndexMask,
        };

        if ((b0 & ExtendedBit) != 0)
        {
            if (payload.Length <= offset)
            {
                return false;
            }

            var x = payload[offset++];
            if ((x & PictureIdBit) != 0)
            {
                if (payload.Length <= offset)
                {
                    return false;
                }

                if ((payload[offset] & LongPictureIdBit) != 0)
                {
                    if (payload.Length <= offset + 1)
                    {
                        return false;
                    }

                    d = d with { HasPictureId = true, LongPictureId = true, PictureId = ((payload[offset] & 0x7F) << 8) | payload[offset + 1] };
                    offset += 2;
                }
                else
                {
                    d = d with { HasPictureId = true, PictureId = payload[offset] & 0x7F };
                    offset++;
                }
            }

            if ((x & Tl0PicIdxBit) != 0)
            {
                if (payload.Length <= offset)
                {
                    return false;
                }

                d = d with { HasTl0PicIdx = true, Tl0PicIdx = payload[offset++] };
            }

            if ((x & (TidBit | KeyIdxBit)) != 0)
            {
                if (payload.Length <= offset)
                {
                    return false;
                }

                var tk = payload[offset++];
                if ((x & TidBit) != 0)
                {
                    d = d with { HasTid = true, Tid = tk >> 6, LayerSync = (tk & 0x20) != 0 };
                }

                if ((x & KeyIdxBit) != 0)
                {
                    d = d with { HasKeyIdx = true, KeyIdx = tk & 0x1F };
                }
            }
        }

        descriptor = d;
        length = offset;
        return true;
    }

    public int GetSize()
    {
        if (!HasPictureId && !HasTl0PicIdx && !HasTid && !HasKeyIdx)
        {
            return 1;
        }

        var size = 2;
        if (HasPictureId)
        {
            size += LongPictureId ? 2 : 1;
        }

        if (HasTl0PicIdx)
        {
            size++;
        }

        if (HasTid || HasKeyIdx)
        {
            size++;
        }

        return size;
    }

    public int Write(Span<byte> destination)
    {
        var size = GetSize();
        destination[0] = (byte)((size > 1 ? ExtendedBit : 0)
            | (NonReference ? NonReferenceBit : 0)
            | (StartOfPartition ? StartBit : 0)
            | (PartitionIndex & PartitionIndexMask));
        if (size == 1)
        {
            return 1;
        }

        destination[1] = (byte)((HasPictureId ? PictureIdBit : 0) | (HasTl0PicIdx ? Tl0PicIdxBit : 0) | (HasTid ? TidBit : 0) | (HasKeyIdx ? KeyIdxBit : 0));
        var offset = 2;
        if (HasPictureId)
        {
            if (LongPictureId)
            {
                destination[offset++] = (byte)(LongPictureIdBit | ((PictureId >> 8) & 0x7F));
                destination[offset++] = (byte)PictureId;
            }
            else
            {
                destination[offset++] = (byte)(PictureId & 0x7F);
            }
        }

        if (HasTl0PicIdx)
        {
            destination[offset++] = Tl0PicIdx;
        }

        if (HasTid || HasKeyIdx)
        {
            destination[offset++] = (byte)((HasTid ? ((Tid & 0x3) << 6) | (LayerSync ? 0x20 : 0) : 0) | (HasKeyIdx ? KeyIdx & 0x1F : 0));
        }

        return offset;
    }
}
