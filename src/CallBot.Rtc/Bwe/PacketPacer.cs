namespace CallBot.Rtc.Bwe;

/// <summary>
/// Spreads video packets at <see cref="TransportCcOptions.PacingFactor"/> × the target bitrate (libwebrtc's pacer): a
/// byte budget refilled every <see cref="TransportCcOptions.PacingInterval"/>, a FIFO of packets waiting for it. A
/// frame's packets leave as a short train instead of one burst that would fill the bottleneck's queue at once (and make
/// the delay-based estimator see its own burst). Audio is never given to it, so it never waits behind video.
/// </summary>
/// <remarks>
/// The queue is a fixed ring of preallocated buffers (nothing allocated per packet); when it is full a packet is sent at
/// once (counted in <see cref="Overflows"/>): pacing must never lose media. Without a target (0) packets pass straight.
/// The timer runs only while packets wait. Thread-safe: producers and the timer decide under one lock, and every send
/// (the writer chain: transport-cc stamp, SRTP protect, socket) happens outside it, so a producer never waits for
/// another stream's send. A packet being sent from a slot stays counted in the queue until it has left, so a producer
/// neither overwrites that slot nor overtakes queued packets with a direct send; one drain runs at a time.
/// </remarks>
public sealed class PacketPacer : IDisposable
{
    private const int SlotSize = 2048;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Func<int> _targetKbps;
    private readonly double _factor;
    private readonly TimeSpan _interval;
    private readonly byte[][] _slots;
    private readonly int[] _lengths;
    private readonly long[] _enqueuedAt;
    private readonly RtpPacketHandler?[] _next;
    private readonly ITimer _timer;
    private int _head;
    private int _count;
    private double _budgetBytes;
    private long _lastRefill;
    private bool _armed;
    private bool _draining;
    private bool _disposed;

    /// <param name="targetKbps">The rate to pace (the video streams' target, read at each refill; 0 = no pacing).</param>
    public PacketPacer(TransportCcOptions options, TimeProvider time, Func<int> targetKbps)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _targetKbps = targetKbps ?? throw new ArgumentNullException(nameof(targetKbps));
        _factor = options.PacingFactor;
        _interval = options.PacingInterval;
        _slots = new byte[options.MaxPacedPackets][];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new byte[SlotSize];
        }

        _lengths = new int[_slots.Length];
        _enqueuedAt = new long[_slots.Length];
        _next = new RtpPacketHandler?[_slots.Length];
        _lastRefill = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((PacketPacer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Packets waiting now.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>How long the oldest waiting packet has waited.</summary>
    public TimeSpan QueueDelay
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_enqueuedAt[_head]);
            }
        }
    }

    /// <summary>Packets that waited for budget.</summary>
    public long PacketsPaced { get; private set; }

    /// <summary>Packets sent at once because the queue was full.</summary>
    public long Overflows { get; private set; }

    /// <summary>Sends <paramref name="packet"/> through <paramref name="next"/> now if the budget allows and nothing waits, else queues a copy.</summary>
    public void Send(ReadOnlySpan<byte> packet, RtpPacketHandler next)
    {
        lock (_lock)
        {
            var target = _targetKbps();
            Refill(target);
            if (_disposed || target <= 0 || packet.Length > SlotSize || (_count == 0 && _budgetBytes > 0))
            {
                _budgetBytes -= packet.Length;
            }
            else if (_count == _slots.Length)
            {
                Overflows++;
                BweMetrics.PacerOverflows.Add(1);
            }
            else
            {
                var tail = (_head + _count) % _slots.Length;
                packet.CopyTo(_slots[tail]);
                _lengths[tail] = packet.Length;
                _enqueuedAt[tail] = _time.GetTimestamp();
                _next[tail] = next;
                _count++;
                PacketsPaced++;
                Arm();
                return;
            }
        }

        next(packet);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _count = 0;
            Array.Clear(_next);
        }

        _timer.Dispose();
    }

    private void OnTimer()
    {
        int first;
        int sending;
        lock (_lock)
        {
            _armed = false;
            if (_disposed || _draining)
            {
                return; // the drain under way re-arms when it is done
            }

            var target = _targetKbps();
            Refill(target);
            first = _head;
            sending = 0;
            while (sending < _count && (_budgetBytes > 0 || target <= 0))
            {
                _budgetBytes -= _lengths[(first + sending) % _slots.Length];
                sending++;
            }

            _draining = sending > 0;
        }

        // Outside the lock: the slots [first, first + sending) stay counted in _count, so nobody writes them meanwhile.
        var now = _time.GetTimestamp();
        for (var i = 0; i < sending; i++)
        {
            var slot = (first + i) % _slots.Length;
            BweMetrics.PacerQueueDelay.Record(_time.GetElapsedTime(_enqueuedAt[slot], now).TotalMilliseconds);
            var next = Volatile.Read(ref _next[slot]);
            next?.Invoke(_slots[slot].AsSpan(0, _lengths[slot]));
        }

        lock (_lock)
        {
            _draining = false;
            if (_disposed)
            {
                return;
            }

            for (var i = 0; i < sending; i++)
            {
                _next[(first + i) % _slots.Length] = null;
            }

            _head = (first + sending) % _slots.Length;
            _count -= sending;
            if (_count > 0)
            {
                Arm();
            }
        }
    }

    private void Refill(int targetKbps)
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastRefill, now);
        _lastRefill = now;
        var bytesPerSecond = targetKbps * 1000.0 * _factor / 8;
        _budgetBytes += bytesPerSecond * elapsed.TotalSeconds;

        // At most one interval's worth saved up: an idle period must not turn into a burst later.
        _budgetBytes = Math.Min(_budgetBytes, bytesPerSecond * _interval.TotalSeconds);
    }

    private void Arm()
    {
        if (!_armed)
        {
            _armed = true;
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }
    }
}
