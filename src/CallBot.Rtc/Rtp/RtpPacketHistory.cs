namespace CallBot.Rtc.Rtp;

/// <summary>
/// The last N packets a sender sent, kept for NACK retransmission. N is a power of two; slot = sequence &amp; (N − 1).
/// Slots own fixed buffers allocated once, so recording a packet never allocates: the sender writes each packet
/// straight into the slot it will live in.
/// </summary>
/// <remarks>Not thread-safe; owned by one <see cref="RtpStreamSender"/>.</remarks>
public sealed class RtpPacketHistory
{
    private readonly byte[][] _buffers;
    private readonly int[] _lengths;
    private readonly ushort[] _sequences;
    private readonly int _mask;

    public RtpPacketHistory(int capacity, int maxPacketSize)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be a power of two");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, RtpHeader.FixedSize);
        _buffers = new byte[capacity][];
        for (var i = 0; i < capacity; i++)
        {
            _buffers[i] = new byte[maxPacketSize];
        }

        _lengths = new int[capacity];
        _sequences = new ushort[capacity];
        _mask = capacity - 1;
    }

    public int Capacity => _buffers.Length;

    /// <summary>The buffer to write packet <paramref name="sequenceNumber"/> into; call <see cref="Commit"/> after writing.</summary>
    public Span<byte> Rent(ushort sequenceNumber)
    {
        var slot = sequenceNumber & _mask;
        _lengths[slot] = 0;
        return _buffers[slot];
    }

    public void Commit(ushort sequenceNumber, int length)
    {
        var slot = sequenceNumber & _mask;
        _sequences[slot] = sequenceNumber;
        _lengths[slot] = length;
    }

    /// <summary>The stored packet, or false when it was never sent or has been overwritten.</summary>
    public bool TryGet(ushort sequenceNumber, out ReadOnlySpan<byte> packet)
    {
        var slot = sequenceNumber & _mask;
        if (_lengths[slot] == 0 || _sequences[slot] != sequenceNumber)
        {
            packet = default;
            return false;
        }

        packet = _buffers[slot].AsSpan(0, _lengths[slot]);
        return true;
    }
}
