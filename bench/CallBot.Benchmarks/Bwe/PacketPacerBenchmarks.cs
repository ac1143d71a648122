using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Bwe;
using CallBot.Rtc.Rtp;

namespace CallBot.Benchmarks.Bwe;

/// <summary>
/// What the pacer adds per video packet: one 11-packet frame (1,100 B each) handed to the writer directly, or through
/// <see cref="PacketPacer"/> at 1 Mbit/s (× 2.5 pacing factor: ~1.4 packets per 5 ms interval, so nearly every packet is
/// queued, copied into a slot and sent later by the timer). The clock and the timer are stepped by hand, so the figure
/// is the pacer's own CPU (lock, copy, budget), not waiting. Must be 0 B/op.
/// </summary>
[MemoryDiagnoser]
public class PacketPacerBenchmarks
{
    private const int PacketsPerFrame = 11;
    private readonly byte[] _packet = new byte[1100];
    private SteppedClock _clock = null!;
    private PacketPacer? _pacer;
    private RtpPacketHandler _writer = null!;
    private long _bytes;

    [Params(false, true)]
    public bool Paced { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clock = new SteppedClock();
        _writer = Write;
        _pacer = Paced ? new PacketPacer(new TransportCcOptions(), _clock, static () => 1_000) : null;
    }

    [GlobalCleanup]
    public void Cleanup() => _pacer?.Dispose();

    [Benchmark(OperationsPerInvoke = PacketsPerFrame)]
    public long SendFrame()
    {
        for (var i = 0; i < PacketsPerFrame; i++)
        {
            if (_pacer is null)
            {
                _writer(_packet);
            }
            else
            {
                _pacer.Send(_packet, _writer);
            }
        }

        while (_pacer is { Queued: > 0 })
        {
            _clock.Step(TimeSpan.FromMilliseconds(5));
        }

        return _bytes;
    }

    private void Write(ReadOnlySpan<byte> packet) => _bytes += packet.Length;

    /// <summary>A clock moved by hand; stepping it runs the one armed timer (the pacer's) if it is due.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private readonly List<SteppedTimer> _timers = [];
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Step(TimeSpan by)
        {
            _now += by.Ticks;
            foreach (var timer in _timers)
            {
                timer.FireIfDue(_now);
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new SteppedTimer(this, callback, state);
            timer.Change(dueTime, period);
            _timers.Add(timer);
            return timer;
        }

        private sealed class SteppedTimer(SteppedClock clock, TimerCallback callback, object? state) : ITimer
        {
            private long _due = long.MaxValue;

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                _due = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : clock._now + dueTime.Ticks;
                return true;
            }

            public void FireIfDue(long now)
            {
                if (now >= _due)
                {
                    _due = long.MaxValue;
                    callback(state);
                }
            }

            public void Dispose() => _due = long.MaxValue;

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
