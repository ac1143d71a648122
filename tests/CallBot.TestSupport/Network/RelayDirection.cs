namespace CallBot.TestSupport.Network;

/// <summary>
/// Impairments and counters for one direction of a <see cref="UdpImpairmentRelay"/>. Settings may change while traffic
/// flows; each datagram is judged with the settings of the moment it arrives, in this order: blackout, "drop next N
/// matching", random loss, bandwidth queue (tail drop past <see cref="MaxQueueDelay"/>), delay ± jitter, reorder hold,
/// duplicate. Random choices come from this direction's own seeded <see cref="Random"/>.
/// <para>
/// The bandwidth cap is a bottleneck link: one FIFO queue served at <see cref="BandwidthBitsPerSecond"/>, each datagram
/// taking length × 8 / rate to leave, no burst allowance (a token bucket of one datagram), tail drop once the wait would
/// exceed <see cref="MaxQueueDelay"/>. A rate change takes effect at once for the queue too: the backlog still waiting
/// (and the datagram being transmitted) drains at the new rate, as on a real link whose capacity changes.
/// </para>
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
    private RelayRecording? _recording;

    /// <summary>The relay's hook that moves this direction's queued datagrams when the link rate changes (lock held).</summary>
    private readonly Action<RelayDirection, long, double> _rescaleQueue;

    internal RelayDirection(string name, Lock gate, TimeProvider time, int seed, Action<RelayDirection, long, double> rescaleQueue)
    {
        Name = name;
        _gate = gate;
        _time = time;
        _random = new Random(seed);
        _rescaleQueue = rescaleQueue;
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

    /// <summary>
    /// Link rate in bits per second (0 = unlimited). Datagrams queue behind each other at this rate. Changing it while
    /// datagrams wait re-times them: the backlog drains at the new rate (0: at once).
    /// </summary>
    public long BandwidthBitsPerSecond { get => Read(() => _bandwidthBitsPerSecond); set => Write(() => ChangeBandwidth(Math.Max(0, value))); }

    /// <summary>With a bandwidth cap, a datagram that would wait longer than this in the queue is dropped (tail drop).</summary>
    public TimeSpan MaxQueueDelay { get => Read(() => _maxQueueDelay); set => Write(() => _maxQueueDelay = NotNegative(value)); }

    public RelayCounters Counters => Read(() => _counters);

    /// <summary>
    /// Starts per-second counters (<see cref="RelayRecording"/>) from now for at most <paramref name="length"/> (whole
    /// seconds, rounded up; at most an hour), replacing any running recording.
    /// </summary>
    public void StartRecording(TimeSpan length)
    {
        var seconds = (int)Math.Ceiling(length.TotalSeconds);
        Write(() => _recording = new RelayRecording(_time.GetTimestamp(), _time.TimestampFrequency, seconds));
    }

    /// <summary>Ends the running recording and returns it (no longer written to); null when none was started.</summary>
    public RelayRecording? StopRecording()
    {
        lock (_gate)
        {
            var recording = _recording;
            _recording = null;
            return recording;
        }
    }

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

    /// <summary>An original (not a duplicate) left towards the far peer at <paramref name="now"/>.</summary>
    internal void RecordForwarded(long now, int length, long arrival, long transmissionStart)
        => _recording?.Forwarded(now, length, arrival, transmissionStart);

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

    /// <summary>
    /// Applies the impairments to one accepted datagram: false when dropped (and counted), else when to send it and when
    /// it starts and ends crossing the bandwidth cap (both <paramref name="now"/> without a cap).
    /// </summary>
    internal bool TryAdmit(ReadOnlySpan<byte> datagram, long now, out Admission admission)
    {
        long due = now;
        long start = now;
        admission = default;
        _recording?.Arrived(now, datagram.Length);
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
            start = Math.Max(now, _linkFreeAt);
            if (start - now > ToTimestamp(_maxQueueDelay))
            {
                _counters = _counters with { DroppedQueueFull = _counters.DroppedQueueFull + 1 };
                _recording?.TailDropped(now);
                Notify();
                return false;
            }

            _linkFreeAt = start + (long)(datagram.Length * 8.0 * _time.TimestampFrequency / _bandwidthBitsPerSecond);
            due = _linkFreeAt;
        }

        long departure = due;

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

        bool duplicate = _duplicateRate > 0 && _random.NextDouble() < _duplicateRate;
        if (due > now)
        {
            _counters = _counters with { Delayed = _counters.Delayed + 1 };
        }

        admission = new Admission(now, start, departure, due, duplicate);
        return true;
    }

    /// <summary>
    /// Sets the link rate (lock held). Datagrams still waiting for the link, and the one on it, have their remaining
    /// time scaled by old / new rate — the bytes ahead of them are the same, the rate is not — so the queue stays FIFO
    /// and a rise drains a backlog built at the low rate at the high one, as a real link would.
    /// </summary>
    private void ChangeBandwidth(long bitsPerSecond)
    {
        long old = _bandwidthBitsPerSecond;
        _bandwidthBitsPerSecond = bitsPerSecond;
        long now = _time.GetTimestamp();
        if (old <= 0 || old == bitsPerSecond || _linkFreeAt <= now)
        {
            return;
        }

        double factor = bitsPerSecond == 0 ? 0 : (double)old / bitsPerSecond;
        long rescaled = Rescale(_linkFreeAt, now, factor);
        if (_lastDue > now)
        {
            _lastDue = Math.Max(now, _lastDue - (_linkFreeAt - rescaled)); // the last datagram's due moves with its departure
        }

        _linkFreeAt = rescaled;
        _rescaleQueue(this, now, factor);
    }

    /// <summary>A queue time after <paramref name="now"/> moved so its distance from now is multiplied by <paramref name="factor"/>.</summary>
    internal static long Rescale(long timestamp, long now, double factor)
        => timestamp <= now ? timestamp : now + (long)Math.Round((timestamp - now) * factor);

    /// <summary>When an admitted datagram arrived, starts and ends crossing the bandwidth cap, is due at the far peer, and whether it is sent twice.</summary>
    internal readonly record struct Admission(long Arrival, long TransmissionStart, long Departure, long Due, bool Duplicate);

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
