using System.Net;
using System.Collections.Concurrent;
using System.Net.Sockets;

namespace CallBot.Rtc.Transport;

/// <summary>
/// The one timer and queue that releases delayed datagrams for every impaired socket of a process (no timer per packet
/// or per socket). Datagrams wait in a priority queue ordered by due time (ties keep submission order); one
/// <see cref="ITimer"/> from the <see cref="TimeProvider"/> is armed for the earliest. Delivery happens outside the lock.
/// Pending datagrams and their buffers are pooled. <see cref="Epoch"/> is time zero of blackout windows.
/// </summary>
public sealed class ImpairmentScheduler : IDisposable
{
    /// <summary>Largest datagram the impairment layer carries (bigger ones are truncated by the receive path as UDP would).</summary>
    public const int MaxDatagram = 65_535;

    private const int MaxPooled = 4096;
    private static readonly Lazy<ImpairmentScheduler> SharedInstance = new(() => new ImpairmentScheduler(TimeProvider.System));

    [ThreadStatic]
    private static List<PendingDatagram>? t_batch;

    private readonly Lock _gate = new();
    private readonly PriorityQueue<PendingDatagram, (long Due, long Sequence)> _queue = new();
    private readonly ConcurrentQueue<PendingDatagram> _pool = new();
    private readonly ITimer _timer;
    private long _sequence;
    private long _armedFor = long.MaxValue;
    private bool _disposed;

    public ImpairmentScheduler(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Time = timeProvider;
        Epoch = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static state => ((ImpairmentScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The process-wide scheduler on the system clock.</summary>
    public static ImpairmentScheduler Shared => SharedInstance.Value;

    public TimeProvider Time { get; }

    /// <summary>Timestamp that blackout windows count from (creation, or the last <see cref="ResetEpoch"/>).</summary>
    public long Epoch { get; private set; }

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Makes "now" time zero for blackout windows of sockets created afterwards (call at the start of a run).</summary>
    public void ResetEpoch() => Epoch = Time.GetTimestamp();

    internal PendingDatagram Rent(ReadOnlySpan<byte> datagram, SocketAddress address, ImpairedDatagramSocket owner, bool uplink)
    {
        if (!_pool.TryDequeue(out var pending))
        {
            pending = new PendingDatagram();
        }

        pending.Fill(datagram, address, owner, uplink);
        return pending;
    }

    internal void Return(PendingDatagram pending)
    {
        pending.Clear();
        if (_pool.Count < MaxPooled)
        {
            _pool.Enqueue(pending);
        }
    }

    internal void Schedule(PendingDatagram pending, long due)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _queue.Enqueue(pending, (due, _sequence++));
            if (due < _armedFor)
            {
                ArmLocked(due);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_queue.TryDequeue(out var pending, out _))
            {
                Return(pending);
            }
        }

        _timer.Dispose();
    }

    // Under the lock: armed outside it, a timer callback that computed a later deadline could re-arm after a
    // Schedule that had just armed an earlier one, and hold that datagram until the later deadline.
    private void ArmLocked(long due)
    {
        _armedFor = due;
        var wait = Time.GetElapsedTime(Time.GetTimestamp(), due);
        try
        {
            _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void OnTimer()
    {
        var batch = t_batch ??= new List<PendingDatagram>(64);
        lock (_gate)
        {
            var now = Time.GetTimestamp();
            while (_queue.TryPeek(out var pending, out var key) && key.Due <= now)
            {
                _queue.Dequeue();
                batch.Add(pending);
            }

            var next = _queue.TryPeek(out _, out var nextKey) ? nextKey.Due : long.MaxValue;
            _armedFor = long.MaxValue;
            if (next != long.MaxValue && !_disposed)
            {
                ArmLocked(next);
            }
        }

        // Outside the lock: sending may block briefly in the OS, and receivers wake up here.
        for (var i = 0; i < batch.Count; i++)
        {
            var pending = batch[i];
            if (!pending.Owner!.Release(pending))
            {
                Return(pending);
            }
        }

        batch.Clear();
    }
}

/// <summary>A datagram waiting in the scheduler: a pooled copy of the bytes and of the peer address.</summary>
internal sealed class PendingDatagram
{
    private byte[] _buffer = [];

    public SocketAddress Address { get; } = new(AddressFamily.InterNetworkV6);

    public int Length { get; private set; }

    public ImpairedDatagramSocket? Owner { get; private set; }

    public bool Uplink { get; private set; }

    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(0, Length);

    public void Fill(ReadOnlySpan<byte> datagram, SocketAddress address, ImpairedDatagramSocket owner, bool uplink)
    {
        if (_buffer.Length < datagram.Length)
        {
            if (_buffer.Length > 0)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(datagram.Length, 1500));
        }

        datagram.CopyTo(_buffer);
        Length = datagram.Length;
        address.Buffer.Span[..address.Size].CopyTo(Address.Buffer.Span);
        Address.Size = address.Size;
        Owner = owner;
        Uplink = uplink;
    }

    public void Clear()
    {
        Owner = null;
        Length = 0;
    }
}
