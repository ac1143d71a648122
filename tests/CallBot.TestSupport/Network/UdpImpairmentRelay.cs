using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace CallBot.TestSupport.Network;

/// <summary>
/// A user-space UDP relay between two peers with loss, delay, jitter, reorder, duplicate, bandwidth cap, predicate
/// drops and blackouts per direction (this kernel has no netem). Peer A talks to <see cref="EndpointA"/>, peer B to
/// <see cref="EndpointB"/>; what arrives on one port leaves through the other, so each peer sees the relay port as
/// the other peer's address.
/// <para>
/// ICE through the relay: give side A exactly one remote candidate, <see cref="EndpointA"/>, and side B exactly one,
/// <see cref="EndpointB"/> (drop the real host candidates from the exchange). STUN checks, DTLS and SRTP then all
/// cross the relay. Let each agent gather a single candidate, or use <see cref="RelayPeerLearning.LatestSender"/>.
/// </para>
/// <para>
/// Delays run on the given <see cref="TimeProvider"/> (one timer for everything queued; FakeTimeProvider in unit tests,
/// the system clock in interop tests). Delayed datagrams are copied into pooled buffers; undelayed ones go straight
/// from the receive buffer. Counters per direction let a test assert "packetsLost equals what the relay dropped".
/// </para>
/// </summary>
public sealed class UdpImpairmentRelay : IAsyncDisposable
{
    private const int MaxDatagram = 65_536;

    // Delayed datagrams are rented on a receive thread and returned on the timer thread, hundreds at a time; the shared
    // pool keeps only a few arrays per core for that pattern and allocates the rest, so each relay has its own pool.
    private const int MaxPooledPerSize = 1024;

    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(MaxDatagram, MaxPooledPerSize);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly RelayPeerLearning _learning;
    private readonly Side _a;
    private readonly Side _b;
    private readonly PriorityQueue<Scheduled, (long Due, long Order)> _queue = new();
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loopA;
    private readonly Task _loopB;
    private Scheduled[] _batch = new Scheduled[64];
    private long _order;
    private long _armedFor = long.MaxValue;
    private bool _draining;
    private bool _disposed;

    private UdpImpairmentRelay(Socket socketA, Socket socketB, UdpImpairmentRelayOptions options, TimeProvider time)
    {
        _time = time;
        _learning = options.Learning;
        _a = new Side(socketA, options.PeerA, new RelayDirection("A→B", _gate, time, options.Seed, RescaleQueued));
        _b = new Side(socketB, options.PeerB, new RelayDirection("B→A", _gate, time, options.Seed + 1, RescaleQueued));
        foreach (var socket in new[] { socketA, socketB })
        {
            TrySetBuffers(socket, options.SocketBufferBytes);
        }

        _timer = time.CreateTimer(_ => Drain(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _loopA = Task.Run(() => ReceiveLoopAsync(_a, _b));
        _loopB = Task.Run(() => ReceiveLoopAsync(_b, _a));
    }

    /// <summary>Where peer A sends (peer A's remote candidate).</summary>
    public IPEndPoint EndpointA => (IPEndPoint)_a.Socket.LocalEndPoint!;

    /// <summary>Where peer B sends (peer B's remote candidate).</summary>
    public IPEndPoint EndpointB => (IPEndPoint)_b.Socket.LocalEndPoint!;

    /// <summary>Datagrams peer A sent, on their way to peer B.</summary>
    public RelayDirection AToB => _a.Inbound;

    public RelayDirection BToA => _b.Inbound;

    /// <summary>Peer A's address as configured or learned; null before it has sent anything.</summary>
    public IPEndPoint? PeerA => ToEndPoint(_a);

    public IPEndPoint? PeerB => ToEndPoint(_b);

    /// <summary>Binds two UDP ports on <see cref="UdpImpairmentRelayOptions.BindAddress"/> and starts relaying.</summary>
    public static UdpImpairmentRelay Start(UdpImpairmentRelayOptions? options = null, TimeProvider? time = null)
    {
        options ??= new UdpImpairmentRelayOptions();
        var a = new Socket(options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var b = new Socket(options.BindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            a.Bind(new IPEndPoint(options.BindAddress, options.PortA));
            b.Bind(new IPEndPoint(options.BindAddress, options.PortB));
        }
        catch
        {
            a.Dispose();
            b.Dispose();
            throw;
        }

        return new UdpImpairmentRelay(a, b, options, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Relays between two sockets the caller has bound already, e.g. ones from <see cref="NetworkLab.BindUdp"/> so the
    /// relay sits inside a lab namespace. The relay owns and closes them.
    /// </summary>
    public static UdpImpairmentRelay Start(Socket sideA, Socket sideB, UdpImpairmentRelayOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(sideA);
        ArgumentNullException.ThrowIfNull(sideB);
        return new UdpImpairmentRelay(sideA, sideB, options ?? new UdpImpairmentRelayOptions(), time ?? TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _stop.CancelAsync();
        _a.Socket.Dispose();
        _b.Socket.Dispose();
        await Task.WhenAll(_loopA, _loopB);
        await _timer.DisposeAsync();
        lock (_gate)
        {
            while (_queue.TryDequeue(out var item, out _))
            {
                _pool.Return(item.Buffer);
            }
        }

        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(Side from, Side to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
        var sender = new SocketAddress(from.Socket.AddressFamily);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await from.Socket.ReceiveFromAsync(buffer.AsMemory(0, MaxDatagram), SocketFlags.None, sender, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ObjectDisposedException)
                {
                    break;
                }
                catch (SocketException) when (!_stop.IsCancellationRequested)
                {
                    continue; // e.g. an ICMP error reported on the socket; keep relaying
                }
                catch (SocketException)
                {
                    break;
                }

                Relay(from, to, buffer.AsSpan(0, length), sender);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Relay(Side from, Side to, ReadOnlySpan<byte> datagram, SocketAddress sender)
    {
        var direction = from.Inbound;
        SocketAddress? destination;
        bool duplicate;
        lock (_gate)
        {
            direction.CountReceived();
            if (!AcceptSender(from, sender))
            {
                direction.CountUnknownSender();
                return;
            }

            destination = to.Peer;
            if (destination is null)
            {
                direction.CountNoPeer();
                return;
            }

            long now = _time.GetTimestamp();
            if (!direction.TryAdmit(datagram, now, out var admission))
            {
                return;
            }

            duplicate = admission.Duplicate;
            if (admission.Due > now)
            {
                Enqueue(datagram, admission, direction, to, duplicate: false, now);
                if (duplicate)
                {
                    Enqueue(datagram, admission, direction, to, duplicate: true, now);
                }

                return;
            }

            direction.CountSent(duplicate: false);
            direction.RecordForwarded(now, datagram.Length, now, now);
            if (duplicate)
            {
                direction.CountSent(duplicate: true);
            }
        }

        Send(to, datagram, destination, direction, duplicate: false);
        if (duplicate)
        {
            Send(to, datagram, destination, direction, duplicate: true);
        }
    }

    private bool AcceptSender(Side side, SocketAddress sender)
    {
        if (side.Peer is null)
        {
            side.Peer = Copy(sender);
            return true;
        }

        if (side.Peer.Equals(sender))
        {
            return true;
        }

        if (side.Fixed || _learning == RelayPeerLearning.FirstSender)
        {
            return false;
        }

        side.Peer = Copy(sender); // published as a new object: senders holding the old one keep a consistent address
        return true;
    }

    private void Enqueue(ReadOnlySpan<byte> datagram, RelayDirection.Admission admission, RelayDirection direction, Side to, bool duplicate, long now)
    {
        var buffer = _pool.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        var item = new Scheduled(buffer, datagram.Length, direction, to, duplicate)
        {
            Arrival = admission.Arrival,
            TransmissionStart = admission.TransmissionStart,
            Departure = admission.Departure,
        };
        _queue.Enqueue(item, (admission.Due, _order++));
        if (!_draining && admission.Due < _armedFor)
        {
            Arm(admission.Due, now);
        }
    }

    /// <summary>
    /// Called with the lock held when <paramref name="direction"/>'s link rate changed at <paramref name="now"/>: its
    /// datagrams still on or waiting for the link get their remaining bottleneck time scaled by <paramref name="factor"/>
    /// (old rate / new rate) and keep the fixed delay that follows it; order among them is unchanged. Rebuilds the queue
    /// (allocates; rate changes are rare, datagrams are not).
    /// </summary>
    private void RescaleQueued(RelayDirection direction, long now, double factor)
    {
        if (_queue.Count == 0)
        {
            return;
        }

        var items = new List<(Scheduled Item, (long Due, long Order) Priority)>(_queue.Count);
        while (_queue.TryDequeue(out var item, out var priority))
        {
            if (item.Direction == direction && item.Departure > now)
            {
                long departure = RelayDirection.Rescale(item.Departure, now, factor);
                priority = (priority.Due - item.Departure + departure, priority.Order);
                item = item with { TransmissionStart = RelayDirection.Rescale(item.TransmissionStart, now, factor), Departure = departure };
            }

            items.Add((item, priority));
        }

        foreach (var (item, priority) in items)
        {
            _queue.Enqueue(item, priority);
        }

        if (!_draining && !_disposed && _queue.TryPeek(out _, out var first) && first.Due < _armedFor)
        {
            Arm(first.Due, now);
        }
    }

    /// <summary>Sends everything due, outside the lock, until nothing more is due; then arms the one timer for the next.</summary>
    private void Drain()
    {
        lock (_gate)
        {
            if (_draining || _disposed)
            {
                return;
            }

            _draining = true;
            _armedFor = long.MaxValue;
        }

        try
        {
            while (true)
            {
                int count = 0;
                lock (_gate)
                {
                    long now = _time.GetTimestamp();
                    while (_queue.TryPeek(out var item, out var priority) && priority.Due <= now)
                    {
                        _queue.Dequeue();
                        if (count == _batch.Length)
                        {
                            Array.Resize(ref _batch, _batch.Length * 2);
                        }

                        _batch[count++] = item with { Destination = item.To.Peer };
                        item.Direction.CountSent(item.Duplicate);
                        if (!item.Duplicate)
                        {
                            item.Direction.RecordForwarded(now, item.Length, item.Arrival, item.TransmissionStart);
                        }
                    }

                    if (count == 0)
                    {
                        _draining = false;
                        if (!_disposed && _queue.TryPeek(out _, out var next))
                        {
                            Arm(next.Due, now);
                        }

                        return;
                    }
                }

                for (int i = 0; i < count; i++)
                {
                    var item = _batch[i];
                    _batch[i] = default;
                    Send(item.To, item.Buffer.AsSpan(0, item.Length), item.Destination!, item.Direction, item.Duplicate);
                    _pool.Return(item.Buffer);
                }
            }
        }
        catch
        {
            lock (_gate)
            {
                _draining = false;
            }

            throw;
        }
    }

    /// <summary>Called with the lock held. Rounds up to whole milliseconds so the timer never fires inline (FakeTimeProvider does for 0).</summary>
    private void Arm(long due, long now)
    {
        _armedFor = due;
        double milliseconds = Math.Ceiling((due - now) * 1000.0 / _time.TimestampFrequency);
        _timer.Change(TimeSpan.FromMilliseconds(Math.Max(1, milliseconds)), Timeout.InfiniteTimeSpan);
    }

    private void Send(Side to, ReadOnlySpan<byte> datagram, SocketAddress destination, RelayDirection direction, bool duplicate)
    {
        try
        {
            to.Socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            lock (_gate)
            {
                direction.CountSendError(duplicate);
            }
        }
    }

    private IPEndPoint? ToEndPoint(Side side)
    {
        SocketAddress? peer;
        lock (_gate)
        {
            peer = side.Peer;
        }

        return peer is null ? null : (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(peer);
    }

    private static SocketAddress Copy(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }

    private static void TrySetBuffers(Socket socket, int bytes)
    {
        try
        {
            socket.ReceiveBufferSize = bytes;
            socket.SendBufferSize = bytes;
        }
        catch (SocketException)
        {
            // Best effort: the kernel caps these; relaying works with the defaults too.
        }
    }

    private sealed class Side(Socket socket, IPEndPoint? fixedPeer, RelayDirection inbound)
    {
        public Socket Socket { get; } = socket;

        public bool Fixed { get; } = fixedPeer is not null;

        /// <summary>Replaced, never mutated, so a reference read under the lock stays valid outside it.</summary>
        public SocketAddress? Peer { get; set; } = fixedPeer?.Serialize();

        public RelayDirection Inbound { get; } = inbound;
    }

    private readonly record struct Scheduled(byte[] Buffer, int Length, RelayDirection Direction, Side To, bool Duplicate)
    {
        public SocketAddress? Destination { get; init; }

        public long Arrival { get; init; }

        /// <summary>When it starts crossing the bandwidth cap (its arrival without a cap).</summary>
        public long TransmissionStart { get; init; }

        /// <summary>When it has crossed the bandwidth cap; the fixed delay, jitter and reorder hold follow.</summary>
        public long Departure { get; init; }
    }
}
