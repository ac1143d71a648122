using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Transport;

/// <summary>
/// Single-port mode: every peer connection given this factory shares one UDP socket per address family (bound to the
/// wildcard address on one port, <see cref="SharedPortOptions.Port"/>), so a process needs two file descriptors for its
/// host candidates however many connections it holds, and every host candidate carries the same port. Each
/// <see cref="Bind"/> returns a connection's own <see cref="ISharedDatagramSocket"/>; <see cref="SharedPort"/> says how
/// datagrams find it. TURN relay sockets are not affected (the TURN client makes its own). Dispose after the connections.
/// </summary>
/// <remarks>
/// Two connections of one shared socket must not talk to the same remote transport address: DTLS and SRTP are routed by
/// source address only. A remote browser or SFU has its own port per connection; two single-port processes calling each
/// other more than once do not (so tests that connect many peers inside one process give each side its own factory).
/// </remarks>
public sealed class SharedPortSocketFactory : IDatagramSocketFactory, IAsyncDisposable
{
    private readonly IDatagramSocketFactory _inner;
    private readonly SharedPortOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<AddressFamily, SharedPort> _ports = [];
    private bool _disposed;

    public SharedPortSocketFactory(SharedPortOptions? options = null, IDatagramSocketFactory? inner = null, ILogger? logger = null)
    {
        _options = options ?? new SharedPortOptions();
        _options.Validate();
        _inner = inner ?? UdpSocketFactory.Instance;
        _logger = logger ?? NullLogger.Instance;
    }

    public SharedPortCounters Counters { get; } = new();

    /// <summary>The shared sockets bound so far (one per family that was asked for).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints
    {
        get
        {
            lock (_gate)
            {
                return [.. _ports.Values.Select(p => p.Socket.LocalEndPoint)];
            }
        }
    }

    /// <summary>Connections served, all families.</summary>
    public int ConnectionCount => Sum(p => p.ConnectionCount);

    /// <summary>Routing entries held, all families: remote addresses, ufrags, STUN transactions.</summary>
    public (int Addresses, int Ufrags, int Transactions) TableSizes
    {
        get
        {
            lock (_gate)
            {
                var sizes = (Addresses: 0, Ufrags: 0, Transactions: 0);
                foreach (var port in _ports.Values)
                {
                    var (addresses, ufrags, transactions) = port.TableSizes;
                    sizes = (sizes.Addresses + addresses, sizes.Ufrags + ufrags, sizes.Transactions + transactions);
                }

                return sizes;
            }
        }
    }

    /// <summary>A connection's socket on its family's shared port (bound on first use). Only wildcard port-0 binds are shared.</summary>
    public IDatagramSocket Bind(IPEndPoint localEndPoint)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        if (localEndPoint.Port != 0 || !(localEndPoint.Address.Equals(IPAddress.Any) || localEndPoint.Address.Equals(IPAddress.IPv6Any)))
        {
            throw new ArgumentException($"A shared port serves wildcard binds on port 0 (as ICE gathering asks), not {localEndPoint}.", nameof(localEndPoint));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_ports.TryGetValue(localEndPoint.AddressFamily, out var port))
            {
                port = new SharedPort(BindShared(localEndPoint), _options, Counters, _logger);
                _ports.Add(localEndPoint.AddressFamily, port);
            }

            return port.Open();
        }
    }

    public IReadOnlyList<IPAddress> GetHostAddresses() => _inner.GetHostAddresses();

    public async ValueTask DisposeAsync()
    {
        SharedPort[] ports;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ports = [.. _ports.Values];
        }

        foreach (var port in ports)
        {
            await port.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The configured port, or else the port another family got (one port for all host candidates), or else any.</summary>
    private IDatagramSocket BindShared(IPEndPoint wildcard)
    {
        var port = _options.Port;
        if (port == 0 && _ports.Count > 0)
        {
            try
            {
                return _inner.Bind(new IPEndPoint(wildcard.Address, _ports.Values.First().Socket.LocalEndPoint.Port));
            }
            catch (SocketException)
            {
                // taken in this family: any port then
            }
        }

        return _inner.Bind(new IPEndPoint(wildcard.Address, port));
    }

    private int Sum(Func<SharedPort, int> of)
    {
        lock (_gate)
        {
            return _ports.Values.Sum(of);
        }
    }
}
