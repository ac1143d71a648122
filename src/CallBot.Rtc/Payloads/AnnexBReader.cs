namespace CallBot.Rtc.Payloads;

/// <summary>
/// Iterates the NAL units of an H.264 Annex B byte stream (ITU-T H.264 Annex B): units are separated by 00 00 01 or
/// 00 00 00 01 start codes; trailing zero bytes before a start code are not part of a unit. Does not allocate.
/// </summary>
public ref struct AnnexBReader
{
    private readonly ReadOnlySpan<byte> _stream;
    private int _offset;

    public AnnexBReader(ReadOnlySpan<byte> stream)
    {
        _stream = stream;
        _offset = FindStartCode(stream, 0, out var codeLength) is var first and >= 0 ? first + codeLength : stream.Length;
    }

    /// <summary>The NAL unit found by the last successful <see cref="MoveNext"/>, without its start code.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    public bool MoveNext()
    {
        while (_offset < _stream.Length)
        {
            var next = FindStartCode(_stream, _offset, out var codeLength);
            var end = next < 0 ? _stream.Length : next;
            var unit = _stream[_offset..end];
            _offset = next < 0 ? _stream.Length : next + codeLength;
            while (!unit.IsEmpty && unit[^1] == 0)
            {
                unit = unit[..^1];
            }

            if (!unit.IsEmpty)
            {
                Current = unit;
                return true;
            }
        }

        return false;
    }

    // Returns the index of the first 00 00 01 at or after from (a preceding zero is folded into a 4-byte code).
    private static int FindStartCode(ReadOnlySpan<byte> data, int from, out int codeLength)
    {
        codeLength = 3;
        for (var i = from; i + 2 < data.Length; i++)
        {
            if (data[i + 2] > 1)
            {
                i += 2;
                continue;
            }

            if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1)
            {
                if (i > from && data[i - 1] == 0)
                {
                    codeLength = 4;
                    return i - 1;
                }

                return i;
            }
        }

        return -1;
    }
}
