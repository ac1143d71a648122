using CallBot.Abstractions;
using CallBot.Media.Clips;

namespace CallBot.Media.Pacing;

/// <summary>
/// The one scheduler that paces every sender in the process: a single periodic <see cref="TimeProvider"/> timer; each tick
/// hands every registered sender the frames that have become due (20 ms Opus packets, video at its frame interval).
/// No timer, task or thread per call.
/// </summary>
/// <remarks>
/// The sender list is copy-on-write: registering and unregistering take a lock, a tick only reads an array. Ticks never
/// overlap (a late tick is skipped; the next one delivers everything due, so nothing is lost). Media time is the
/// provider's monotonic timestamp since the clock was created, in each codec's clock rate.
/// </remarks>
public sealed class MediaClock : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly long _epoch;
    private readonly Lock _gate = new();
    private volatile MediaSender[] _senders = [];
    private int _ticking;
    private long _ticks;
    private long _skippedTicks;
    private int _disposed;

    public MediaClock(TimeProvider? timeProvider = null, MediaClockOptions? options = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        var tick = (options ?? new MediaClockOptions()).Tick;
        if (tick <= TimeSpan.Zero || tick > TimeSpan.FromMilliseconds(20))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the tick must be within (0, 20 ms] to pace 20 ms audio");
        }

        _epoch = _time.GetTimestamp();
        _timer = _time.CreateTimer(static state => ((MediaClock)state!).Tick(), this, tick, tick);
    }

    public int SenderCount => _senders.Length;

    /// <summary>Ticks that ran.</summary>
    public long TickCount => Interlocked.Read(ref _ticks);

    /// <summary>Ticks skipped because the previous one was still running (a sign of overload).</summary>
    public long SkippedTicks => Interlocked.Read(ref _skippedTicks);

    /// <summary>The clock's current time as a <see cref="TimeProvider"/> timestamp (for <see cref="MediaSenderOptions.StartTimestamp"/>).</summary>
    public long GetTimestamp() => _time.GetTimestamp();

    /// <summary>Starts pacing <paramref name="track"/> into <paramref name="sink"/>; the first frame goes out on the next tick. Dispose the sender to stop.</summary>
    public MediaSender Register(EncodedTrack track, IEncodedFrameSink sink, MediaSenderOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentNullException.ThrowIfNull(track);
        ArgumentNullException.ThrowIfNull(sink);
        options ??= new MediaSenderOptions();
        var start = ToClock((options.StartTimestamp ?? _time.GetTimestamp()) - _epoch, track.Codec.ClockRate());
        var sender = new MediaSender(this, track, sink, options, start);
        lock (_gate)
        {
            var current = _senders;
            var next = new MediaSender[current.Length + 1];
            current.CopyTo(next, 0);
            next[^1] = sender;
            _senders = next;
        }

        return sender;
    }

    /// <summary>Delivers every due frame to every sender. Called by the timer; public so hosts and benchmarks can drive it.</summary>
    public void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            Interlocked.Increment(ref _skippedTicks);
            return;
        }

        try
        {
            var elapsed = _time.GetTimestamp() - _epoch;
            var now90 = ToClock(elapsed, 90_000);
            var now48 = ToClock(elapsed, 48_000);
            var senders = _senders;
            for (var i = 0; i < senders.Length; i++)
            {
                var sender = senders[i];
                sender.Pump(sender.ClockRate == 48_000 ? now48 : ToClockFor(sender.ClockRate, elapsed, now90));
            }

            Interlocked.Increment(ref _ticks);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
            lock (_gate)
            {
                _senders = [];
            }
        }
    }

    internal void Unregister(MediaSender sender)
    {
        lock (_gate)
        {
            var current = _senders;
            var index = Array.IndexOf(current, sender);
            if (index < 0)
            {
                return;
            }

            var next = new MediaSender[current.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, current.Length - index - 1);
            _senders = next;
        }
    }

    private long ToClockFor(int clockRate, long elapsed, long now90) => clockRate == 90_000 ? now90 : ToClock(elapsed, clockRate);

    private long ToClock(long elapsedTimestamp, int clockRate) => (long)((Int128)elapsedTimestamp * clockRate / _time.TimestampFrequency);
}
