namespace CallBot.Rtc;

/// <summary>
/// One periodic timer that drives the 20 ms tick of every peer connection on <see cref="TimeProvider.System"/>: a tick
/// walks a copy-on-write array of subscribers on one thread-pool item, instead of one timer and one thread-pool work
/// item per connection (10 000 a second at 200 connections). Subscribers are handed out as <see cref="ITimer"/>s whose
/// only periods are this ticker's period and infinite (stopped).
/// </summary>
internal sealed class SharedTicker
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private volatile Subscription[] _subscriptions = [];
    private ITimer? _timer;

    public SharedTicker(TimeProvider time, TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _time = time;
        _period = period;
    }

    /// <summary>The process-wide ticker of peer connections on the system clock.</summary>
    public static SharedTicker System { get; } = new(TimeProvider.System, TimeSpan.FromMilliseconds(20));

    public TimeSpan Period => _period;

    /// <summary>Number of subscribers currently ticking.</summary>
    public int ActiveCount => _subscriptions.Length;

    /// <summary>A stopped timer that calls <paramref name="callback"/> on this ticker's ticks once started with <see cref="ITimer.Change"/>.</summary>
    public ITimer CreateTimer(TimerCallback callback, object? state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new Subscription(this, callback, state);
    }

    /// <summary>Runs every active subscriber once. Called by the timer; internal so tests can drive it.</summary>
    internal void Tick()
    {
        var subscriptions = _subscriptions;
        for (var i = 0; i < subscriptions.Length; i++)
        {
            subscriptions[i].Fire();
        }
    }

    private void Add(Subscription subscription)
    {
        lock (_gate)
        {
            var current = _subscriptions;
            if (Array.IndexOf(current, subscription) >= 0)
            {
                return;
            }

            var next = new Subscription[current.Length + 1];
            current.CopyTo(next, 0);
            next[^1] = subscription;
            _subscriptions = next;
            _timer ??= _time.CreateTimer(static s => ((SharedTicker)s!).Tick(), this, _period, _period);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            var current = _subscriptions;
            var index = Array.IndexOf(current, subscription);
            if (index < 0)
            {
                return;
            }

            var next = new Subscription[current.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, current.Length - index - 1);
            _subscriptions = next;
            if (next.Length == 0)
            {
                // No idle wake-ups while no connection is up.
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private sealed class Subscription(SharedTicker owner, TimerCallback callback, object? state) : ITimer
    {
        private int _firing;
        private int _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            if (period == Timeout.InfiniteTimeSpan && dueTime == Timeout.InfiniteTimeSpan)
            {
                owner.Remove(this);
                return true;
            }

            if (period != owner._period)
            {
                throw new ArgumentOutOfRangeException(nameof(period), "a shared tick runs only at its ticker's period");
            }

            owner.Add(this);
            return true;
        }

        public void Fire()
        {
            if (Interlocked.Exchange(ref _firing, 1) != 0)
            {
                return;
            }

            try
            {
                if (Volatile.Read(ref _disposed) == 0)
                {
                    callback(state);
                }
            }
#pragma warning disable CA1031 // One subscriber's failure must not stop the tick of the others.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
            finally
            {
                Volatile.Write(ref _firing, 0);
            }
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _disposed, 1);
            owner.Remove(this);
        }

        /// <summary>Like <see cref="Timer.DisposeAsync"/>: completes once a callback that was running has returned.</summary>
        public async ValueTask DisposeAsync()
        {
            Dispose();
            while (Volatile.Read(ref _firing) != 0)
            {
                await Task.Yield();
            }
        }
    }
}
