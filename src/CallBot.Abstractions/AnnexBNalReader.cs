namespace CallBot.Abstractions;

/// <summary>
/// Iterates the NAL units of an H.264 Annex B byte stream (ITU-T H.264 Annex B): units are separated by 00 00 01 or
/// 00 00 00 01 start codes; trailing zero bytes before a start code are not part of a unit. Does not allocate.
/// <code>
/// ... 00 00 00 01 | NAL header | payload ... 00 00 01 | NAL header | ...
/// </code>
/// </summary>
public ref struct AnnexBNalReader
{
    private static ReadOnlySpan<byte> StartCode => [0, 0, 1];

    private readonly ReadOnlySpan<byte> _stream;
    private int _offset;

    public AnnexBNalReader(ReadOnlySpan<byte> stream)
    {
        _stream = stream;
        _offset = FindStartCode(stream, 0, out var headerAt) >= 0 ? headerAt : stream.Length;
    }

    /// <summary>The NAL unit found by the last successful <see cref="MoveNext"/>, without its start code.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    public bool MoveNext()
    {
        while (_offset < _stream.Length)
        {
            var next = FindStartCode(_stream, _offset, out var headerAt);
            var end = next < 0 ? _stream.Length : next;
            var unit = _stream[_offset..end];
            _offset = next < 0 ? _stream.Length : headerAt;
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

    /// <summary>
    /// Finds the next 00 00 01 at or after <paramref name="from"/>. Returns where the start code begins (a zero just
    /// before it, after <paramref name="from"/>, is folded into a 4-byte code) or -1; <paramref name="headerAt"/> is
    /// the index of the NAL header that follows (may equal the length when the stream ends with a start code).
    /// </summary>
    public static int FindStartCode(ReadOnlySpan<byte> stream, int from, out int headerAt)
    {
        headerAt = -1;
        if (from >= stream.Length)
        {
            return -1;
        }

        var found = stream[from..].IndexOf(StartCode);
        if (found < 0)
        {
            return -1;
        }

        var at = from + found;
        headerAt = at + StartCode.Length;
        return at > from && stream[at - 1] == 0 ? at - 1 : at;
    }
}
