namespace CallBot.Rtc.Srtp;

/// <summary>Outcome of <see cref="ReplayWindow.Check"/>.</summary>
public enum ReplayCheck
{
    /// <summary>Never seen and inside or ahead of the window: authenticate, then <see cref="ReplayWindow.Commit"/>.</summary>
    Fresh,

    /// <summary>Already committed.</summary>
    Replayed,

    /// <summary>Behind the window: cannot be told apart from a replay (RFC 3711 §3.3.2).</summary>
    TooOld,
}

/// <summary>
/// Sliding replay window over packet indices (RFC 3711 §3.3.2), a bit per index behind the highest one seen.
/// <see cref="Check"/> is cheap and changes nothing; <see cref="Commit"/> is called only after the packet
/// authenticated, so a forged packet can neither mark an index nor move the window. Not thread-safe.
/// </summary>
public sealed class ReplayWindow
{
    public const int DefaultSize = 128;
    public const int MinimumSize = 64;
    public const int MaximumSize = 4096;
    private const int BitsPerWord = 64;

    // bit k of the window (word k / 64, bit k % 64) stands for index (highest - k).
    private readonly ulong[] _words;
    private ulong _highest;
    private bool _hasHighest;

    public ReplayWindow(int size = DefaultSize)
    {
        if (size < MinimumSize || size > MaximumSize || size % BitsPerWord != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "A multiple of 64 between 64 and 4096.");
        }

        _words = new ulong[size / BitsPerWord];
    }

    public int Size => _words.Length * BitsPerWord;

    /// <summary>The highest committed index, or null before the first commit.</summary>
    public ulong? Highest => _hasHighest ? _highest : null;

    public ReplayCheck Check(ulong index)
    {
        if (!_hasHighest || index > _highest)
        {
            return ReplayCheck.Fresh;
        }

        var behind = _highest - index;
        if (behind >= (ulong)Size)
        {
            return ReplayCheck.TooOld;
        }

        return IsSet((int)behind) ? ReplayCheck.Replayed : ReplayCheck.Fresh;
    }

    /// <summary>Marks an index as received; call only after <see cref="Check"/> returned Fresh and the tag verified.</summary>
    public void Commit(ulong index)
    {
        if (!_hasHighest)
        {
            _hasHighest = true;
            _highest = index;
            _words[0] = 1;
            return;
        }

        if (index > _highest)
        {
            ShiftUp(index - _highest);
            _highest = index;
            _words[0] |= 1;
            return;
        }

        var behind = _highest - index;
        if (behind < (ulong)Size)
        {
            _words[(int)behind / BitsPerWord] |= 1UL << ((int)behind % BitsPerWord);
        }
    }

    public void Reset()
    {
        Array.Clear(_words);
        _hasHighest = false;
        _highest = 0;
    }

    private bool IsSet(int behind) => (_words[behind / BitsPerWord] & (1UL << (behind % BitsPerWord))) != 0;

    // Moves every mark `delta` positions further behind the new highest index.
    private void ShiftUp(ulong delta)
    {
        if (delta >= (ulong)Size)
        {
            Array.Clear(_words);
            return;
        }

        var wordShift = (int)delta / BitsPerWord;
        var bitShift = (int)delta % BitsPerWord;
        for (var i = _words.Length - 1; i >= 0; i--)
        {
            var source = i - wordShift;
            ulong value = 0;
            if (source >= 0)
            {
                value = _words[source] << bitShift;
                if (bitShift != 0 && source - 1 >= 0)
                {
                    value |= _words[source - 1] >> (BitsPerWord - bitShift);
                }
            }

            _words[i] = value;
        }
    }
}
