using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace CallBot.Rtc.Transport;

/// <summary>
/// A switch between fake hosts for tests: no latency, optional random loss, a "link down" switch
/// and a drop predicate. Delivery copies the datagram. <see cref="WhenIdleAsync"/> completes once
/// every delivered datagram has been taken and handled by its receiver (the receiver asked for the
/// next one), which lets fake-time tests step without sleeping.
/// </summary>
public sealed class InMemoryNetwork
{
    private const int FirstEphemeralPort = 40000;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, InMemoryDatagramSocket> _bound = [];
    private readonly Random _random;
    private int _nextPort = FirstEphemeralPort;
    private int _pending;
    private TaskCompletionSource _idle = NewIdleSource(completed: true);
    private long _delivered;
    private long _dropped;

    public InMemoryNetwork(int seed = 7983) => _random = new Random(seed);

    /// <summary>Probability (0..1) that a datagram is lost.</summary>
    public double LossRate { get; set; }

    /// <summary>When true every datagram is dropped, both ways.</summary>
    public bool LinkDown { get; set; }

    /// <summary>Drops a datagram when it returns true (source, destination, bytes).</summary>
    public Func<IPEndPoint, IPEndPoint, ReadOnlyMemory<byte>, bool>? DropWhen { get; set; }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>A host owning <paramref name="addresses"/>; use it as the agent's socket factory.</summary>
    public IDatagramSocketFactory AddHost(params IPAddress[] addresses) => new Host(this, addresses);

    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            return _idle.Task;
        }
    }

    internal bool Send(InMemoryDatagramSocket from, ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        IPEndPoint target;
        try
        {
            target = (IPEndPoint)from.LocalEndPoint.Create(destination);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var copy = datagram.ToArray();
        InMemoryDatagramSocket? receiver;
        lock (_gate)
        {
            var lost = LinkDown || (LossRate > 0 && _random.NextDouble() < LossRate);
            if (!lost && DropWhen is { } drop && drop(from.SourceEndPoint, target, copy))
            {
                lost = true;
            }

            if (lost || !_bound.TryGetValue(target, out receiver))
            {
                Interlocked.Increment(ref _dropped);
                return true; // UDP: the sender never knows
            }

            OnEnqueued();
        }

        if (!receiver.Enqueue(new InMemoryDatagram(copy, from.SourceEndPoint)))
        {
            Release(1);
            Interlocked.Increment(ref _dropped);
            return true;
        }

        Interlocked.Increment(ref _delivered);
        return true;
    }

    internal void Release(int count)
    {
        if (count == 0)
        {
            return;
        }

        TaskCompletionSource? toComplete = null;
        lock (_gate)
        {
            _pending -= count;
            if (_pending == 0)
            {
                toComplete = _idle;
            }
        }

        toComplete?.TrySetResult();
    }

    private void OnEnqueued()
    {
        if (_pending++ == 0)
        {
            _idle = NewIdleSource(completed: false);
        }
    }

    private InMemoryDatagramSocket Bind(Host host, IPEndPoint local)
    {
        lock (_gate)
        {
            var port = local.Port;
            if (port == 0)
            {
                port = _nextPort++;
            }

            var addresses = new List<IPAddress>();
            var wildcard = local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any);
            foreach (var address in host.Addresses)
            {
                if (address.AddressFamily == local.AddressFamily && (wildcard || address.Equals(local.Address)))
                {
                    addresses.Add(address);
                }
            }

            if (addresses.Count == 0)
            {
                throw new SocketException((int)SocketError.AddressNotAvailable);
            }

            foreach (var address in addresses)
            {
                if (_bound.ContainsKey(new IPEndPoint(address, port)))
                {
                    throw new SocketException((int)SocketError.AddressAlreadyInUse);
                }
            }

            var socket = new InMemoryDatagramSocket(this, new IPEndPoint(local.Address, port), new IPEndPoint(addresses[0], port));
            foreach (var address in addresses)
            {
                _bound[new IPEndPoint(address, port)] = socket;
                socket.BoundEndPoints.Add(new IPEndPoint(address, port));
            }

            return socket;
        }
    }

    internal void Unbind(InMemoryDatagramSocket socket)
    {
        lock (_gate)
        {
            foreach (var endPoint in socket.BoundEndPoints)
            {
                _bound.Remove(endPoint);
            }
        }
    }

    private static TaskCompletionSource NewIdleSource(bool completed)
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            source.SetResult();
        }

        return source;
    }

    private sealed class Host(InMemoryNetwork network, IPAddress[] addresses) : IDatagramSocketFactory
    {
        public IPAddress[] Addresses { get; } = addresses;

        public IDatagramSocket Bind(IPEndPoint localEndPoint) => network.Bind(this, localEndPoint);

        public IReadOnlyList<IPAddress> GetHostAddresses() => Addresses;
    }
}

internal readonly record struct InMemoryDatagram(byte[] Bytes, IPEndPoint Source);

/// <summary>An endpoint of <see cref="InMemoryNetwork"/>.</summary>
internal sealed class InMemoryDatagramSocket : IDatagramSocket
{
    private readonly InMemoryNetwork _network;
    private readonly Channel<InMemoryDatagram> _queue = Channel.CreateUnbounded<InMemoryDatagram>(new UnboundedChannelOptions { SingleReader = true });
    private int _holding;

    public InMemoryDatagramSocket(InMemoryNetwork network, IPEndPoint local, IPEndPoint source)
    {
        _network = network;
        LocalEndPoint = local;
        SourceEndPoint = source;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The address peers see as our source (wildcard binds send from the host's first address).</summary>
    public IPEndPoint SourceEndPoint { get; }

    public List<IPEndPoint> BoundEndPoints { get; } = [];

    public AddressFamily AddressFamily => LocalEndPoint.AddressFamily;

    public bool Enqueue(InMemoryDatagram datagram) => _queue.Writer.TryWrite(datagram);

    public async ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken)
    {
        // Asking for the next datagram means the previous one was handled.
        _network.Release(Interlocked.Exchange(ref _holding, 0));
        try
        {
            var datagram = await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            _holding = 1;
            var source = datagram.Source.Serialize();
            source.Buffer.Span[..source.Size].CopyTo(remote.Buffer.Span);
            remote.Size = source.Size;
            var length = Math.Min(datagram.Bytes.Length, buffer.Length);
            datagram.Bytes.AsSpan(0, length).CopyTo(buffer.Span);
            return length;
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(InMemoryDatagramSocket));
        }
    }

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote) => _network.Send(this, datagram, remote);

    public void Dispose()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        _network.Unbind(this);
        var released = Interlocked.Exchange(ref _holding, 0);
        while (_queue.Reader.TryRead(out _))
        {
            released++;
        }

        _network.Release(released);
    }
}
