using Microsoft.Extensions.Time.Testing;

namespace CallBot.TestSupport;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test arms a timer, so fake time is advanced
/// exactly when, and exactly as far as, the code is waiting for it.
/// </summary>
/// <remarks>
/// Code on the thread pool arms its timers at moments the test cannot see; advancing fake time before a timer is armed
/// moves its start instead of firing it. Stepping fake time a little and giving the code some real milliseconds per
/// step works until the machine is slow. Here every arming (a timer created, or changed, with a finite due time) is
/// recorded in order: the test awaits the arming it expects (<see cref="NextArmedAsync"/>,
/// <see cref="ArmedAsync(TimeSpan)"/>), then advances (<see cref="AdvanceToNextTimer"/>, <see cref="Advance"/>).
/// The awaits are bounded by <see cref="Timeout"/> of real time, a guard against a hang, never a pace.
/// </remarks>
public sealed class FakeClock : TimeProvider
{
    /// <summary>How long an arming the test awaits may take in real time before the test fails.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Spelled out: inside a TimeProvider, "System" is TimeProvider.System.
    private static readonly TimeSpan Infinite = global::System.Threading.Timeout.InfiniteTimeSpan;

    private readonly FakeTimeProvider _fake;
    private readonly Lock _gate = new();
    private readonly List<Arming> _unclaimed = [];
    private readonly List<(Func<Arming, bool> Match, TaskCompletionSource<Arming> Done)> _waiters = [];
    private readonly HashSet<WatchedTimer> _pending = [];

    public FakeClock(DateTimeOffset start)
    {
        _fake = new FakeTimeProvider(start);
    }

    public FakeClock()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Timers armed and not yet fired, changed to infinite or disposed.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public override TimeZoneInfo LocalTimeZone => _fake.LocalTimeZone;

    public override long TimestampFrequency => _fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    public override long GetTimestamp() => _fake.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new WatchedTimer(this, callback, state);
        timer.Inner = _fake.CreateTimer(static s => ((WatchedTimer)s!).Fire(), timer, Infinite, Infinite);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves fake time forward by <paramref name="delta"/>, firing every timer due meanwhile.</summary>
    public void Advance(TimeSpan delta) => _fake.Advance(delta);

    /// <summary>
    /// Moves fake time to the earliest armed timer and fires it (and any due at the same instant); returns how far
    /// time moved. Call it once the code is parked on its timers (the test awaited the arming it expects).
    /// </summary>
    public TimeSpan AdvanceToNextTimer()
    {
        DateTimeOffset next;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                throw new InvalidOperationException("no timer is armed");
            }

            next = _pending.Min(t => t.FiresAt);
        }

        var delta = next - _fake.GetUtcNow();
        if (delta < TimeSpan.Zero)
        {
            delta = TimeSpan.Zero;
        }

        _fake.Advance(delta);
        return delta;
    }

    /// <summary>Drops the armings not awaited so far: the ones the test awaits next are armed after this call.</summary>
    public void ForgetArmed()
    {
        lock (_gate)
        {
            _unclaimed.Clear();
        }
    }

    /// <summary>The oldest arming the test has not awaited yet (in the order the code armed them).</summary>
    public Task<Arming> NextArmedAsync(CancellationToken cancellationToken = default) =>
        ArmedAsync(static _ => true, "any timer", cancellationToken);

    /// <summary>The oldest not-yet-awaited arming with this due time (others stay for later awaits).</summary>
    public Task<Arming> ArmedAsync(TimeSpan dueTime, CancellationToken cancellationToken = default) =>
        ArmedAsync(a => a.DueTime == dueTime, $"a timer due in {dueTime}", cancellationToken);

    /// <summary>The oldest not-yet-awaited arming that <paramref name="match"/> accepts.</summary>
    public async Task<Arming> ArmedAsync(Func<Arming, bool> match, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        TaskCompletionSource<Arming> done;
        lock (_gate)
        {
            var index = _unclaimed.FindIndex(a => match(a));
            if (index >= 0)
            {
                var found = _unclaimed[index];
                _unclaimed.RemoveAt(index);
                return found;
            }

            done = new TaskCompletionSource<Arming>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
        }

        try
        {
            return await done.Task.WaitAsync(Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Done == done);
            }

            throw new TimeoutException($"{what}: not armed within {Timeout.TotalSeconds:0} s of real time (fake time {_fake.GetUtcNow():O})");
        }
    }

    private void OnPending(WatchedTimer timer)
    {
        lock (_gate)
        {
            _pending.Add(timer);
        }
    }

    private void OnArmed(Arming arming)
    {
        TaskCompletionSource<Arming>? waiter = null;
        lock (_gate)
        {
            var index = _waiters.FindIndex(w => w.Match(arming));
            if (index >= 0)
            {
                waiter = _waiters[index].Done;
                _waiters.RemoveAt(index);
            }
            else
            {
                _unclaimed.Add(arming);
            }
        }

        waiter?.TrySetResult(arming);
    }

    private void OnDisarmed(WatchedTimer timer)
    {
        lock (_gate)
        {
            _pending.Remove(timer);
        }
    }

    /// <summary>One timer armed: when, for how long, and with what period.</summary>
    public readonly record struct Arming(DateTimeOffset At, TimeSpan DueTime, TimeSpan Period)
    {
        public DateTimeOffset FiresAt => At + DueTime;

        /// <summary>Fires once (a timeout or a delay), not every <see cref="Period"/>.</summary>
        public bool IsOneShot => Period == Infinite || Period == TimeSpan.Zero;
    }

    private sealed class WatchedTimer(FakeClock clock, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _gate = new();
        private TimeSpan _period = Infinite;
        private bool _disposed;

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset FiresAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arming? armed = null;
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                if (dueTime == Infinite)
                {
                    clock.OnDisarmed(this);
                }
                else
                {
                    var now = clock.GetUtcNow();
                    FiresAt = now + dueTime;
                    armed = new Arming(now, dueTime, period);
                    clock.OnPending(this);
                }
            }

            // Outside the lock: a zero due time fires the callback at once, on this thread.
            var changed = Inner.Change(dueTime, period);

            // Told only now that the inner timer runs: a test that advanced on hearing of the arming before this point
            // would move the timer's start, not fire it (one clean-clone run hung on exactly that).
            if (armed is { } arming)
            {
                clock.OnArmed(arming);
            }

            return changed;
        }

        public void Fire()
        {
            bool periodic;
            lock (_gate)
            {
                periodic = _period != Infinite && _period != TimeSpan.Zero;
                if (periodic)
                {
                    FiresAt = clock.GetUtcNow() + _period;
                }
                else
                {
                    clock.OnDisarmed(this);
                }
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                clock.OnDisarmed(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
