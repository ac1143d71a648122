namespace CallBot.Rtc.Rtp;

/// <summary>
/// Fixed-size buffers one stream takes and gives back: a new one is allocated only when none is spare, so the stream owns
/// as many as it ever used at once and, once warm, taking and returning never allocates.
/// </summary>
/// <remarks>Not thread-safe; owned by one stream, used from the thread that owns it.</remarks>
internal sealed class SpareBuffers(int bufferSize)
{
    private byte[][] _spare = [];
    private int _count;

    /// <summary>Buffers allocated so far: in use plus spare.</summary>
    public int Owned { get; private set; }

    public byte[] Take()
    {
        if (_count > 0)
        {
            return _spare[--_count];
        }

        Owned++;
        return new byte[bufferSize];
    }

    public void Return(byte[] buffer)
    {
        if (_count == _spare.Length)
        {
            Array.Resize(ref _spare, Math.Max(8, _spare.Length * 2));
        }

        _spare[_count++] = buffer;
    }
}
