namespace CallBot.Load.Soak;

/// <summary>
/// Samples <see cref="IProcessProbe"/> every <c>interval</c> on a <see cref="PeriodicTimer"/> driven by a
/// <see cref="TimeProvider"/> (fake time in tests), from <see cref="Start"/> until disposed, and builds the soak report.
/// </summary>
public sealed class SoakSampler : IAsyncDisposable
{
    private readonly IProcessProbe _probe;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private readonly List<SoakSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private long _startTimestamp;
    private Task _loop = Task.CompletedTask;

    public SoakSampler(IProcessProbe probe, TimeSpan interval, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _probe = probe;
        _interval = interval;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Raised after each sample (from the sampling task).</summary>
    public event Action<SoakSample>? Sampled;

    public TimeSpan Interval => _interval;

    /// <summary>Time since <see cref="Start"/> (the offset a sample taken now would have).</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    public IReadOnlyList<SoakSample> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Takes a first sample now, then one per interval.</summary>
    public void Start()
    {
        _startTimestamp = _time.GetTimestamp();
        SampleNow();
        _loop = LoopAsync(_stop.Token);
    }

    public SoakSample SampleNow()
    {
        var (rss, heap, committed, threads, sockets) = _probe.Read();
        var sample = new SoakSample
        {
            OffsetSeconds = Math.Round(_time.GetElapsedTime(_startTimestamp).TotalSeconds, 3),
            RssBytes = rss,
            GcHeapBytes = heap,
            GcCommittedBytes = committed,
            Threads = threads,
            Sockets = sockets,
        };
        lock (_gate)
        {
            _samples.Add(sample);
        }

        Sampled?.Invoke(sample);
        return sample;
    }

    /// <param name="steady">Offsets (from <see cref="Start"/>) of the window the verdicts judge; null = every sample.</param>
    public SoakReport ToReport(SoakLimits limits, string shard, (TimeSpan From, TimeSpan To)? steady = null)
    {
        var samples = Samples;
        var from = steady?.From.TotalSeconds;
        var to = steady?.To.TotalSeconds;
        var verdicts = LeakAnalyzer.Analyze(samples, limits, from, to);
        var passed = true;
        foreach (var verdict in verdicts)
        {
            passed &= verdict.Passed;
        }

        return new SoakReport
        {
            Shard = shard,
            IntervalSeconds = _interval.TotalSeconds,
            SteadyFromSeconds = from,
            SteadyToSeconds = to,
            Samples = [.. samples],
            Verdicts = verdicts,
            Passed = passed,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            SampleNow();
        }
    }
}
