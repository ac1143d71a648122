namespace CallBot.Rtc.Rtp;

/// <summary>
/// The packets a sender sent in the last <c>retention</c> (at most N of them), kept for NACK retransmission. N is a power of
/// two; slot = sequence &amp; (N − 1). The sender writes each packet straight into the buffer it will live in.
/// </summary>
/// <remarks>
/// <para>Buffers are taken when a packet is sent and go back to a spare list once the packet is older than the retention,
/// so a stream holds about rate × retention buffers (≈ 125 for 600 kbit/s video and 2 s), not N: with hundreds of calls
/// cycling, buffers for every slot would be megabytes per stream that die in gen 2 when the call ends. After the first
/// seconds every buffer comes from the spare list, so sending does not allocate.</para>
/// <para>Not thread-safe; owned by one <see cref="RtpStreamSender"/>.</para>
/// </remarks>
public sealed class RtpPacketHistory
{
    /// <summary>libwebrtc keeps max(1 s, 3 × RTT); 2 s covers NACKs on paths up to ~650 ms RTT.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromSeconds(2);

    private readonly byte[]?[] _buffers;
    private readonly int[] _lengths;
    private readonly ushort[] _sequences;
    private readonly long[] _sentAt;
    private readonly long[] _resentAt;      // 0 = never resent
    private readonly int _mask;
    private readonly TimeProvider _time;
    private readonly TimeSpan _retention;
    private readonly SpareBuffers _spare;
    private ushort _oldest;
    private int _span;      // sequence numbers from _oldest to the newest rented one, inclusive

    public RtpPacketHistory(int capacity, int maxPacketSize, TimeProvider time, TimeSpan retention)
    {
        if (capacity <= 0 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must be a power of two");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacketSize, RtpHeader.FixedSize);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _buffers = new byte[capacity][];
        _lengths = new int[capacity];
        _sequences = new ushort[capacity];
        _sentAt = new long[capacity];
        _resentAt = new long[capacity];
        _mask = capacity - 1;
        _spare = new SpareBuffers(maxPacketSize);
        _time = time;
        _retention = retention;
    }

    public int Capacity => _buffers.Length;

    /// <summary>Buffers this history owns: holding packets plus spare. Bounded by rate × retention, not by capacity.</summary>
    public int BuffersOwned => _spare.Owned;

    /// <summary>When the last packet was rented (a <see cref="TimeProvider"/> timestamp): the sender's clock reading for it.</summary>
    public long LastRentAt { get; private set; }

    /// <summary>The buffer to write packet <paramref name="sequenceNumber"/> into; call <see cref="Commit"/> after writing.</summary>
    public Span<byte> Rent(ushort sequenceNumber)
    {
        var now = _time.GetTimestamp();
        EvictExpired(now);
        if (_span == 0)
        {
            _oldest = sequenceNumber;
            _span = 1;
        }
        else
        {
            var distance = (ushort)(sequenceNumber - _oldest);
            if (distance >= 0x8000)
            {
                // Behind the oldest kept packet: the stream restarted its numbering, so nothing kept is addressable.
                EvictAll();
                _oldest = sequenceNumber;
                _span = 1;
            }
            else
            {
                while (distance >= _buffers.Length)
                {
                    EvictOldest();
                    distance = (ushort)(sequenceNumber - _oldest);
                }

                _span = Math.Max(_span, distance + 1);
            }
        }

        var slot = sequenceNumber & _mask;
        _lengths[slot] = 0;
        _sentAt[slot] = now; // the sender sends right after writing it
        LastRentAt = now;
        _resentAt[slot] = 0;
        return _buffers[slot] ??= _spare.Take();
    }

    public void Commit(ushort sequenceNumber, int length)
    {
        var slot = sequenceNumber & _mask;
        _sequences[slot] = sequenceNumber;
        _lengths[slot] = length;
    }

    /// <summary>The stored packet, or false when it was never sent, is older than the retention, or has been overwritten.</summary>
    public bool TryGet(ushort sequenceNumber, out ReadOnlySpan<byte> packet)
    {
        var slot = sequenceNumber & _mask;
        if (_lengths[slot] == 0 || _sequences[slot] != sequenceNumber || _buffers[slot] is not { } buffer
            || _time.GetElapsedTime(_sentAt[slot]) > _retention)
        {
            packet = default;
            return false;
        }

        packet = buffer.AsSpan(0, _lengths[slot]);
        return true;
    }

    /// <summary>True when <paramref name="sequenceNumber"/> was resent less than <paramref name="interval"/> before <paramref name="now"/>.</summary>
    public bool ResentWithin(ushort sequenceNumber, long now, TimeSpan interval)
    {
        var slot = sequenceNumber & _mask;
        return _sequences[slot] == sequenceNumber && _resentAt[slot] != 0 && _time.GetElapsedTime(_resentAt[slot], now) < interval;
    }

    /// <summary>Records that <paramref name="sequenceNumber"/> was resent at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp).</summary>
    public void MarkResent(ushort sequenceNumber, long now)
    {
        var slot = sequenceNumber & _mask;
        if (_sequences[slot] == sequenceNumber)
        {
            _resentAt[slot] = now == 0 ? 1 : now;
        }
    }

    private void EvictExpired(long now)
    {
        while (_span > 0)
        {
            var slot = _oldest & _mask;
            if (_lengths[slot] > 0 && _sequences[slot] == _oldest && _time.GetElapsedTime(_sentAt[slot], now) <= _retention)
            {
                return;
            }

            EvictOldest();
        }
    }

    private void EvictAll()
    {
        while (_span > 0)
        {
            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        var slot = _oldest & _mask;
        if (_buffers[slot] is { } buffer)
        {
            _buffers[slot] = null;
            _spare.Return(buffer);
        }

        _lengths[slot] = 0;
        _oldest++;
        _span--;
    }
}
