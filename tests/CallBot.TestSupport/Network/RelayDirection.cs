namespace CallBot.TestSupport.Network;

/// <summary>
/// Impairments and counters for one direction of a <see cref="UdpImpairmentRelay"/>. Settings may change while traffic
/// flows; each datagram is judged with the settings of the moment it arrives, in this order: blackout, "drop next N
/// matching", random loss, bandwidth queue (tail drop past <see cref="MaxQueueDelay"/>), delay ± jitter, reorder hold,
/// duplicate. Random choices come from this direction's own seeded <see cref="Random"/>.
/// </summary>
public sealed class RelayDirection
{
    private readonly Lock _gate;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly List<(long Start, long End)> _blackouts = [];
    private readonly List<(Func<RelayCounters, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private double _lossRate;
    private TimeSpan _delay;
    private TimeSpan _jitter;
    private bool _jitterKeepsOrder;
    private double _reorderRate;
    private TimeSpan _reorderDelay = TimeSpan.FromMilliseconds(30);
    private double _duplicateRate;
    private long _bandwidthBitsPerSecond;
    private TimeSpan _maxQueueDelay = TimeSpan.FromMilliseconds(500);
    private int _dropNextCount;
    private DatagramPredicate? _dropNextMatching;
    private long _linkFreeAt;
    private long _lastDue;
    private RelayCounters _counters;

    internal RelayDirection(string name, Lock gate, TimeProvider time, int seed)
    {
        Name = name;
        _gate = gate;
        _time = time;
        _random = new Random(seed);
    }

    /// <summary>"A→B" or "B→A".</summary>
    public string Name { get; }

    /// <summary>Probability in [0, 1] that a datagram is dropped at random.</summary>
    public double LossRate { get => Read(() => _lossRate); set => Write(() => _lossRate = Probability(value)); }

    /// <summary>Fixed one-way delay added to every datagram.</summary>
    public TimeSpan Delay { get => Read(() => _delay); set => Write(() => _delay = NotNegative(value)); }

    /// <summary>Each datagram's delay is <see cref="Delay"/> plus a uniform value in [-Jitter, +Jitter] (never below zero).</summary>
    public TimeSpan Jitter { get => Read(() => _jitter); set => Write(() => _jitter = NotNegative(value)); }

    /// <summary>When true, jitter never lets a datagram overtake an earlier one (like a real path); when false it may (like netem).</summary>
    public bool JitterKeepsOrder { get => Read(() => _jitterKeepsOrder); set => Write(() => _jitterKeepsOrder = value); }

    /// <summary>Probability that a datagram is held back an extra <see cref="ReorderDelay"/> so later ones overtake it.</summary>
    public double ReorderRate { get => Read(() => _reorderRate); set => Write(() => _reorderRate = Probability(value)); }

    public TimeSpan ReorderDelay { get => Read(() => _reorderDelay); set => Write(() => _reorderDelay = NotNegative(value)); }

    /// <summary>Probability that a datagram is sent twice.</summary>
    public double DuplicateRate { get => Read(() => _duplicateRate); set => Write(() => _duplicateRate = Probability(value)); }

    /// <summary>Link rate in bits per second (0 = unlimited). Datagrams queue behind each other at this rate.</summary>
    public long BandwidthBitsPerSecond { get => Read(() => _bandwidthBitsPerSecond); set => Write(() => _bandwidthBitsPerSecond = Math.Max(0, value)); }

    /// <summary>With a bandwidth cap, a datagram that would wait longer than this in the queue is dropped (tail drop).</summary>
    public TimeSpan MaxQueueDelay { get => Read(() => _maxQueueDelay); set => Write(() => _maxQueueDelay = NotNegative(value)); }

    public RelayCounters Counters => Read(() => _counters);

    /// <summary>Drops the next <paramref name="count"/> datagrams for which <paramref name="predicate"/> is true (replaces any earlier request).</summary>
    public void DropNext(int count, DatagramPredicate predicate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(predicate);
        Write(() =>
        {
            _dropNextCount = count;
            _dropNextMatching = predicate;
        });
    }

    /// <summary>How many of the last <see cref="DropNext"/> request are still to be dropped.</summary>
    public int DropNextRemaining => Read(() => _dropNextCount);

    /// <summary>Drops everything arriving from <paramref name="startsIn"/> from now for <paramref name="duration"/>.</summary>
    public void AddBlackout(TimeSpan startsIn, TimeSpan duration)
    {
        Write(() =>
        {
            long start = _time.GetTimestamp() + ToTimestamp(NotNegative(startsIn));
            _blackouts.Add((start, start + ToTimestamp(NotNegative(duration))));
        });
    }

    /// <summary>Drops everything from now for <paramref name="duration"/>.</summary>
    public void BlackoutFor(TimeSpan duration) => AddBlackout(TimeSpan.Zero, duration);

    public void ClearBlackouts() => Write(_blackouts.Clear);

    /// <summary>Completes when <paramref name="condition"/> holds for the counters (checked on every change), or throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitForAsync(Func<RelayCounters, bool> condition, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_counters))
            {
                return;
            }

            _waiters.Add((condition, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"relay {Name}: condition not met within {timeout.TotalSeconds:0.#} s; counters {Counters}", e);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <summary>Waits until <paramref name="received"/> datagrams arrived and none of them is still in flight.</summary>
    public Task WaitForSettledAsync(long received, TimeSpan timeout)
        => WaitForAsync(c => c.Received >= received && c.InFlight == 0, timeout);

    public override string ToString() => $"{Name} {Counters}";

    // ---- called by the relay with _gate held ----

    internal void CountReceived()
    {
        _counters = _counters with { Received = _counters.Received + 1 };
        Notify();
    }

    internal void CountUnknownSender()
    {
        _counters = _counters with { DroppedUnknownSender = _counters.DroppedUnknownSender + 1 };
        Notify();
    }

    internal void CountNoPeer()
    {
        _counters = _counters with { DroppedNoPeer = _counters.DroppedNoPeer + 1 };
        Notify();
    }

    internal void CountSent(bool duplicate)
    {
        _counters = duplicate
            ? _counters with { Duplicated = _counters.Duplicated + 1 }
            : _counters with { Forwarded = _counters.Forwarded + 1 };
        Notify();
    }

    /// <summary>A send counted by <see cref="CountSent"/> failed: move it to <see cref="RelayCounters.SendErrors"/>.</summary>
    internal void CountSendError(bool duplicate)
    {
        _counters = duplicate
            ? _counters with { Duplicated = _counters.Duplicated - 1, SendErrors = _counters.SendErrors + 1 }
            : _counters with { Forwarded = _counters.Forwarded - 1, SendErrors = _counters.SendErrors + 1 };
        Notify();
    }

    /// <summary>Applies the impairments to one accepted datagram: false when dropped (and counted), else when to send it.</summary>
    internal bool TryAdmit(ReadOnlySpan<byte> datagram, long now, out long due, out bool duplicate)
    {
        due = now;
        duplicate = false;
        if (InBlackout(now))
        {
            _counters = _counters with { DroppedBlackout = _counters.DroppedBlackout + 1 };
            Notify();
            return false;
        }

        if (_dropNextCount > 0 && _dropNextMatching!(datagram))
        {
            _dropNextCount--;
            _counters = _counters with { DroppedPredicate = _counters.DroppedPredicate + 1 };
            Notify();
            return false;
        }

        if (_lossRate > 0 && _random.NextDouble() < _lossRate)
        {
            _counters = _counters with { DroppedLoss = _counters.DroppedLoss + 1 };
            Notify();
            return false;
        }

        if (_bandwidthBitsPerSecond > 0)
        {
            long startsAt = Math.Max(now, _linkFreeAt);
            if (startsAt - now > ToTimestamp(_maxQueueDelay))
            {
                _counters = _counters with { DroppedQueueFull = _counters.DroppedQueueFull + 1 };
                Notify();
                return false;
            }

            _linkFreeAt = startsAt + (long)(datagram.Length * 8.0 * _time.TimestampFrequency / _bandwidthBitsPerSecond);
            due = _linkFreeAt;
        }

        long delay = ToTimestamp(_delay);
        if (_jitter > TimeSpan.Zero)
        {
            delay += (long)(((_random.NextDouble() * 2) - 1) * ToTimestamp(_jitter));
        }

        due += Math.Max(0, delay);
        if (_jitterKeepsOrder)
        {
            due = Math.Max(due, _lastDue);
        }

        _lastDue = due;
        if (_reorderRate > 0 && _random.NextDouble() < _reorderRate)
        {
            due += ToTimestamp(_reorderDelay);
            _counters = _counters with { Reordered = _counters.Reordered + 1 };
        }

        duplicate = _duplicateRate > 0 && _random.NextDouble() < _duplicateRate;
        if (due > now)
        {
            _counters = _counters with { Delayed = _counters.Delayed + 1 };
        }

        return true;
    }

    private bool InBlackout(long now)
    {
        bool dark = false;
        for (int i = _blackouts.Count - 1; i >= 0; i--)
        {
            var (start, end) = _blackouts[i];
            if (now >= end)
            {
                _blackouts.RemoveAt(i);
            }
            else if (now >= start)
            {
                dark = true;
            }
        }

        return dark;
    }

    private void Notify()
    {
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Condition(_counters))
            {
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    private void Write(Action write)
    {
        lock (_gate)
        {
            write();
        }
    }

    private static double Probability(double value)
        => value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a probability is in [0, 1]");

    private static TimeSpan NotNegative(TimeSpan value)
        => value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "must not be negative");
}
