namespace CallBot.Rtc.Bwe;

/// <summary>Sends one probe packet of cluster <paramref name="clusterId"/> (padding: an RTX resend of a recent packet); returns its size, 0 when none could be sent.</summary>
public delegate int ProbePacketSink(int clusterId);

/// <summary>
/// Sends probe clusters at their rate (libwebrtc's BitrateProber): packets leave on a <see cref="Tick"/> timer whenever
/// the bytes sent fall behind rate × time since the cluster began, until the cluster has its minimum packets and bytes;
/// the next cluster follows. Media sent meanwhile belongs to the cluster (<see cref="ActiveCluster"/>,
/// <see cref="OnMediaSent"/>: tagged with its id, counted in its bytes), so padding only fills the gap up to the probe
/// rate, as libwebrtc's pacer sends media as part of a probe: a cluster measured alone would report its share of a
/// bottleneck it shares with the media, not the bottleneck. The send rate the feedback shows is measured from the real
/// send times, so a late timer lowers the probe's rate rather than falsifying it.
/// </summary>
/// <remarks>
/// The timer runs only while a cluster is queued (no cost per connection otherwise; probes are rare: a few at the start,
/// then one every few seconds at most). Clusters beyond <see cref="QueueCapacity"/> are dropped (counted). A cluster for
/// which the sink sends nothing (no RTX negotiated, nothing in the history yet) is abandoned (counted). Each packet is
/// bounded to <see cref="MaxPacketsPerCluster"/> per cluster. Thread-safe: enqueued from the receive loop, sent from the
/// timer (one tick at a time).
/// </remarks>
public sealed class ProbeSender : IDisposable
{
    public const int QueueCapacity = 4;

    /// <summary>No cluster sends more packets than this, whatever its rate (a 5 Mbit/s, 15 ms cluster is ~8 full packets).</summary>
    public const int MaxPacketsPerCluster = 64;

    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ProbePacketSink _sink;
    private readonly ProbeCluster[] _queue = new ProbeCluster[QueueCapacity];
    private readonly ITimer _timer;
    private int _head;
    private int _count;
    private bool _active;
    private ProbeCluster _current;
    private long _currentStart;
    private long _currentBytes;
    private int _currentPackets;
    private bool _armed;
    private bool _disposed;
    private int _ticking;
    private int _activeId = -1;

    public ProbeSender(TimeProvider time, ProbePacketSink sink)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _timer = time.CreateTimer(static s => ((ProbeSender)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Clusters sent in full.</summary>
    public long ClustersSent { get; private set; }

    /// <summary>Clusters dropped (queue full) or abandoned (nothing to send).</summary>
    public long ClustersDropped { get; private set; }

    /// <summary>Probe packets and bytes sent.</summary>
    public long PacketsSent { get; private set; }

    public long BytesSent { get; private set; }

    /// <summary>The id of the cluster being sent, -1 when none: a packet sent now belongs to it.</summary>
    public int ActiveCluster => Volatile.Read(ref _activeId);

    /// <summary>A media packet tagged with <paramref name="clusterId"/> (read from <see cref="ActiveCluster"/>) was sent: it counts toward the cluster.</summary>
    public void OnMediaSent(int clusterId, int size)
    {
        lock (_lock)
        {
            if (_active && _current.Id == clusterId)
            {
                Account(size);
            }
        }
    }

    /// <summary>Whether a cluster is being sent or waits.</summary>
    public bool Busy
    {
        get
        {
            lock (_lock)
            {
                return _active || _count > 0;
            }
        }
    }

    public bool Enqueue(in ProbeCluster cluster)
    {
        lock (_lock)
        {
            if (_disposed || _count == QueueCapacity)
            {
                ClustersDropped++;
                return false;
            }

            _queue[(_head + _count) % QueueCapacity] = cluster;
            _count++;
            if (_armed)
            {
                return true;
            }

            _armed = true;
        }

        // Outside the lock (a fake clock may run the first tick inside Change). A tick that disarmed did so under the lock
        // before this enqueue took it, so this Change comes after its own.
        _timer.Change(TimeSpan.Zero, Tick);
        return true;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _count = 0;
            Stop();
        }

        _timer.Dispose();
    }

    private void OnTick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            while (NextPacket(out var clusterId))
            {
                var size = _sink(clusterId);
                lock (_lock)
                {
                    if (size > 0)
                    {
                        PacketsSent++;
                        BytesSent += size;
                    }

                    if (!_active || _current.Id != clusterId)
                    {
                        continue; // media completed it meanwhile, or disposed (the next call says)
                    }

                    if (size <= 0)
                    {
                        Stop(); // nothing to send with: give the cluster up
                        ClustersDropped++;
                        continue;
                    }

                    Account(size);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    /// <summary>A packet of the current cluster left (under the lock): the cluster is complete with its minimum packets and bytes.</summary>
    private void Account(int size)
    {
        _currentBytes += size;
        _currentPackets++;
        if ((_currentPackets >= _current.MinPackets && _currentBytes >= _current.MinBytes) || _currentPackets >= MaxPacketsPerCluster)
        {
            Stop();
            ClustersSent++;
            BweMetrics.ProbeClusters.Add(1);
        }
    }

    private void Stop()
    {
        _active = false;
        Volatile.Write(ref _activeId, -1);
    }

    /// <summary>Whether a packet is due now (starting the next cluster if none is under way); disarms the timer when idle.</summary>
    private bool NextPacket(out int clusterId)
    {
        lock (_lock)
        {
            clusterId = -1;
            if (_disposed)
            {
                return false;
            }

            var now = _time.GetTimestamp();
            if (!_active)
            {
                if (_count == 0)
                {
                    _armed = false;
                    _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    return false;
                }

                _current = _queue[_head];
                _head = (_head + 1) % QueueCapacity;
                _count--;
                _active = true;
                Volatile.Write(ref _activeId, _current.Id);
                _currentStart = now;
                _currentBytes = 0;
                _currentPackets = 0;
            }

            // Due: what the rate allows since the cluster began, plus this tick (the first packet leaves at once).
            var elapsed = _time.GetElapsedTime(_currentStart, now) + Tick;
            var due = _current.BitsPerSecond * elapsed.TotalSeconds / 8;
            if (_currentBytes >= due)
            {
                return false;
            }

            clusterId = _current.Id;
            return true;
        }
    }
}
