namespace CallBot.TestSupport.Network;

/// <summary>
/// Per-second counters of one <see cref="RelayDirection"/> between <see cref="RelayDirection.StartRecording"/> and
/// <see cref="RelayDirection.StopRecording"/>: what arrived from the sender (its send rate), what left towards the receiver
/// (the link's output), tail drops at the bandwidth queue, and a histogram of each forwarded datagram's queueing delay
/// (time waiting for the link before its own transmission starts; 0 without a cap). Second <c>i</c> covers
/// [i, i + 1) s after the start: arrivals, drops and queueing delays count in their arrival second, forwards in their
/// send second. Arrays are allocated at start for a fixed number of seconds, so recording a datagram allocates nothing;
/// datagrams after the last second are only counted in <see cref="Beyond"/>.
/// </summary>
public sealed class RelayRecording
{
    /// <summary>Width of one queueing-delay bucket.</summary>
    public static readonly TimeSpan DelayBucket = TimeSpan.FromMilliseconds(2);

    /// <summary>Buckets per second; the last one holds every delay of at least (count − 1) × <see cref="DelayBucket"/> (2 s).</summary>
    public const int DelayBuckets = 1001;

    private readonly long _start;
    private readonly long _frequency;
    private readonly long _bucketTicks;
    private readonly long[] _receivedBytes;
    private readonly long[] _receivedPackets;
    private readonly long[] _forwardedBytes;
    private readonly long[] _forwardedPackets;
    private readonly long[] _droppedQueueFull;
    private readonly int[] _delays;

    internal RelayRecording(long start, long frequency, int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, 3600); // an hour: 1000 buckets × 4 bytes a second, 14 MB at most
        _start = start;
        _frequency = frequency;
        _bucketTicks = Math.Max(1, (long)(DelayBucket.TotalSeconds * frequency));
        Seconds = seconds;
        _receivedBytes = new long[seconds];
        _receivedPackets = new long[seconds];
        _forwardedBytes = new long[seconds];
        _forwardedPackets = new long[seconds];
        _droppedQueueFull = new long[seconds];
        _delays = new int[seconds * DelayBuckets];
    }

    /// <summary>Seconds this recording has slots for.</summary>
    public int Seconds { get; }

    /// <summary>Events (arrivals, drops, forwards) that fell after the last second and were not binned.</summary>
    public long Beyond { get; private set; }

    /// <summary>Bytes that arrived from the sender in second <paramref name="second"/> (UDP payload, any datagram).</summary>
    public long ReceivedBytes(int second) => _receivedBytes[second];

    public long ReceivedPackets(int second) => _receivedPackets[second];

    /// <summary>The sender's rate in second <paramref name="second"/>, bits per second.</summary>
    public long ReceivedBitsPerSecond(int second) => _receivedBytes[second] * 8;

    public long ForwardedBytes(int second) => _forwardedBytes[second];

    public long ForwardedPackets(int second) => _forwardedPackets[second];

    /// <summary>What left towards the receiver in second <paramref name="second"/>, bits per second.</summary>
    public long ForwardedBitsPerSecond(int second) => _forwardedBytes[second] * 8;

    /// <summary>Datagrams that arrived in second <paramref name="second"/> and were tail-dropped at the bandwidth queue.</summary>
    public long DroppedQueueFull(int second) => _droppedQueueFull[second];

    /// <summary>How many forwarded datagrams that arrived in [<paramref name="fromSecond"/>, <paramref name="toSecond"/>) have a queueing delay.</summary>
    public long DelaySamples(int fromSecond, int toSecond)
    {
        long count = 0;
        foreach (var n in _delays.AsSpan(Slice(fromSecond, toSecond)))
        {
            count += n;
        }

        return count;
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0..1) of the queueing delay of datagrams that arrived in
    /// [<paramref name="fromSecond"/>, <paramref name="toSecond"/>), as the upper edge of its bucket (so never below the
    /// true value by more than nothing, nor above it by more than one <see cref="DelayBucket"/>); null without samples.
    /// </summary>
    public TimeSpan? QueueDelayQuantile(int fromSecond, int toSecond, double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        var merged = new long[DelayBuckets];
        long total = 0;
        for (int s = Math.Max(0, fromSecond); s < Math.Min(Seconds, toSecond); s++)
        {
            for (int b = 0; b < DelayBuckets; b++)
            {
                merged[b] += _delays[(s * DelayBuckets) + b];
                total += _delays[(s * DelayBuckets) + b];
            }
        }

        if (total == 0)
        {
            return null;
        }

        // The rank of the quantile among the sorted samples, 1-based (nearest-rank method).
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long seen = 0;
        for (int b = 0; b < DelayBuckets; b++)
        {
            seen += merged[b];
            if (seen >= rank)
            {
                return DelayBucket * (b + 1);
            }
        }

        return DelayBucket * DelayBuckets;
    }

    // ---- called by the relay with its lock held ----

    internal void Arrived(long now, int length)
    {
        if (Second(now) is int s)
        {
            _receivedBytes[s] += length;
            _receivedPackets[s]++;
        }
    }

    internal void TailDropped(long now)
    {
        if (Second(now) is int s)
        {
            _droppedQueueFull[s]++;
        }
    }

    internal void Forwarded(long now, int length, long arrival, long transmissionStart)
    {
        if (Second(now) is int sent)
        {
            _forwardedBytes[sent] += length;
            _forwardedPackets[sent]++;
        }

        if (Second(arrival) is int arrived)
        {
            long bucket = Math.Min(DelayBuckets - 1, Math.Max(0, transmissionStart - arrival) / _bucketTicks);
            _delays[(arrived * DelayBuckets) + (int)bucket]++;
        }
    }

    private int? Second(long timestamp)
    {
        long s = (timestamp - _start) / _frequency;
        if (timestamp < _start)
        {
            return null; // arrived before the start (a datagram still queued from before it)
        }

        if (s >= Seconds)
        {
            Beyond++;
            return null;
        }

        return (int)s;
    }

    private Range Slice(int fromSecond, int toSecond)
    {
        int from = Math.Clamp(fromSecond, 0, Seconds);
        int to = Math.Clamp(toSecond, from, Seconds);
        return new Range(from * DelayBuckets, to * DelayBuckets);
    }
}
