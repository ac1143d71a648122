namespace CallBot.Rtc.Rtp;

/// <summary>
/// Walks an RFC 8285 extension block (the bytes after the 4-byte "defined by profile | length" word) without allocating.
/// </summary>
/// <remarks>
/// <code>
/// One-byte form (profile 0xBEDE):          Two-byte form (profile 0x100 + appbits):
///  0 1 2 3 4 5 6 7                          0                   1
/// +-+-+-+-+-+-+-+-+                        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  ID   |  len  |  data (len+1 bytes)    |       ID      |     length    |  data (length bytes)
/// +-+-+-+-+-+-+-+-+                        +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ID 0 is a padding byte; ID 15 (one-byte) stops parsing.
/// </code>
/// </remarks>
public static class RtpHeaderExtensionReader
{
    public const ushort OneByteProfile = 0xBEDE;
    public const ushort TwoByteProfile = 0x1000;
    public const ushort TwoByteProfileMask = 0xFFF0;
    public const int OneByteMaxId = 14;
    public const int OneByteMaxLength = 16;
    private const int OneByteStopId = 15;

    public static bool IsOneByte(ushort profile) => profile == OneByteProfile;

    public static bool IsTwoByte(ushort profile) => (profile & TwoByteProfileMask) == TwoByteProfile;

    /// <summary>Finds element <paramref name="id"/>. Returns false when absent, when the profile is not RFC 8285, or when the block is malformed.</summary>
    public static bool TryFind(ushort profile, ReadOnlySpan<byte> block, int id, out ReadOnlySpan<byte> value)
    {
        value = default;
        var walker = new Walker(profile, block);
        while (walker.MoveNext(out var elementId, out var data))
        {
            if (elementId == id)
            {
                value = data;
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every element fits in the block (or the profile is not RFC 8285, which we do not interpret).</summary>
    public static bool IsWellFormed(ushort profile, ReadOnlySpan<byte> block)
    {
        if (!IsOneByte(profile) && !IsTwoByte(profile))
        {
            return true;
        }

        var walker = new Walker(profile, block);
        while (walker.MoveNext(out _, out _))
        {
        }

        return !walker.Malformed;
    }

    /// <summary>Iterates the elements of one extension block.</summary>
    public ref struct Walker
    {
        private readonly ReadOnlySpan<byte> _block;
        private readonly bool _oneByte;
        private readonly bool _twoByte;
        private int _offset;

        public Walker(ushort profile, ReadOnlySpan<byte> block)
        {
            _block = block;
            _oneByte = IsOneByte(profile);
            _twoByte = IsTwoByte(profile);
        }

        /// <summary>Set when iteration stopped because an element overran the block.</summary>
        public bool Malformed { get; private set; }

        public bool MoveNext(out int id, out ReadOnlySpan<byte> data)
        {
            id = 0;
            data = default;
            if (!_oneByte && !_twoByte)
            {
                return false;
            }

            while (_offset < _block.Length)
            {
                var first = _block[_offset];
                if (first == 0)
                {
                    _offset++;
                    continue;
                }

                int length;
                if (_oneByte)
                {
                    id = first >> 4;
                    if (id == OneByteStopId)
                    {
                        _offset = _block.Length;
                        return false;
                    }

                    length = (first & 0x0F) + 1;
                    _offset++;
                }
                else
                {
                    if (_offset + 1 >= _block.Length)
                    {
                        Malformed = true;
                        _offset = _block.Length;
                        return false;
                    }

                    id = first;
                    length = _block[_offset + 1];
                    _offset += 2;
                }

                if (_block.Length - _offset < length)
                {
                    Malformed = true;
                    _offset = _block.Length;
                    return false;
                }

                data = _block.Slice(_offset, length);
                _offset += length;
                return true;
            }

            return false;
        }
    }
}
