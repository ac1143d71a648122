using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Stun;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Transport;

/// <summary>
/// One real socket shared by many peer connections (an ICE UDP mux, as pion's <c>UDPMux</c>), with one receive loop.
/// A datagram goes to the connection that
/// <list type="number">
/// <item>registered the local ufrag its USERNAME names first, if it is a STUN Binding request (a peer's first check
/// comes from an address nobody has sent to yet: a peer-reflexive one);</item>
/// <item>sent the STUN request it answers (transaction id), if it is a STUN response (every connection asks the same STUN
/// server);</item>
/// <item>sent to its source address (DTLS, SRTP, consent checks);</item>
/// </list>
/// else it is dropped and counted. Only a connection's own sends and registrations create entries, so unknown senders
/// (spoofed sources, random usernames) never make the tables grow; every table is bounded by
/// <see cref="SharedPortOptions"/>, and a closed connection's entries go with it.
/// </summary>
internal sealed partial class SharedPort : IAsyncDisposable
{
    private readonly SharedPortOptions _options;
    private readonly SharedPortCounters _counters;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<SocketAddress, SharedPortSocket> _byAddress = [];
    private readonly Dictionary<string, SharedPortSocket> _byUfrag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedPortSocket>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly Dictionary<TransactionKey, SharedPortSocket> _byTransaction = [];
    private readonly HashSet<SharedPortSocket> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SharedPort(IDatagramSocket socket, SharedPortOptions options, SharedPortCounters counters, ILogger logger)
    {
        Socket = socket;
        _options = options;
        _counters = counters;
        _logger = logger;
        _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
        _loop = Task.Run(() => DatagramReceiveLoop.RunAsync(socket, Route, LoopCounters, logger, _stop.Token));
    }

    public IDatagramSocket Socket { get; }

    /// <summary>The receive loop's own counts (batch receives, errors).</summary>
    public TransportCounters LoopCounters { get; } = new();

    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Entries of the routing tables (addresses, ufrags, transactions), for the bounds tests and the benchmark.</summary>
    public (int Addresses, int Ufrags, int Transactions) TableSizes
    {
        get
        {
            lock (_gate)
            {
                return (_byAddress.Count, _byUfrag.Count, _byTransaction.Count);
            }
        }
    }

    public SharedPortSocket Open()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            if (_connections.Count >= _options.MaxConnections)
            {
                _counters.Count(SharedPortCounter.ConnectionsRefused);
                LogConnectionRefused(_logger, Socket.LocalEndPoint.Port, _options.MaxConnections);
                throw new SocketException((int)SocketError.TooManyOpenSockets);
            }

            var connection = new SharedPortSocket(this, _options.MaxTransactionsPerConnection);
            _connections.Add(connection);
            return connection;
        }
    }

    /// <summary>The receive loop's handler: finds the connection, hands the datagram over on this thread.</summary>
    private void Route(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        _counters.Count(SharedPortCounter.Received);
        SharedPortSocket? target = null;
        if (DatagramClassifier.Classify(datagram) == DatagramKind.Stun)
        {
            target = RouteStun(datagram);
        }

        if (target is null)
        {
            lock (_gate)
            {
                _byAddress.TryGetValue(source, out target);
            }

            if (target is null)
            {
                _counters.Count(SharedPortCounter.Unrouted);
                return;
            }

            _counters.Count(SharedPortCounter.RoutedByAddress);
        }

        target.Deliver(datagram, source);
    }

    /// <summary>A Binding request by the ufrag its USERNAME names first (ours), a response by the transaction it answers.</summary>
    private SharedPortSocket? RouteStun(ReadOnlySpan<byte> datagram)
    {
        if (!StunMessage.TryParse(datagram, out var message, out _) || message.Method != StunMethod.Binding)
        {
            return null;
        }

        SharedPortSocket? target = null;
        switch (message.Class)
        {
            case StunClass.Request:
                if (message.TryGetUsername(out var username))
                {
                    var colon = username.IndexOf((byte)':');
                    var local = colon < 0 ? username : username[..colon];
                    Span<char> ufrag = stackalloc char[Ice.IceCredentials.MaxLength];
                    if (local.Length is > 0 and <= Ice.IceCredentials.MaxLength && TryWidenAscii(local, ufrag))
                    {
                        lock (_gate)
                        {
                            _byUfragSpan.TryGetValue(ufrag[..local.Length], out target);
                        }
                    }
                }

                if (target is not null)
                {
                    _counters.Count(SharedPortCounter.RoutedByUfrag);
                }

                break;
            case StunClass.SuccessResponse or StunClass.ErrorResponse:
                lock (_gate)
                {
                    _byTransaction.TryGetValue(TransactionKey.Of(message.TransactionId), out target);
                }

                if (target is not null)
                {
                    _counters.Count(SharedPortCounter.RoutedByTransaction);
                }

                break;
            default:
                break;
        }

        return target;
    }

    /// <summary>Called on a connection's first send to <paramref name="remote"/>: datagrams from it are that connection's from now on.</summary>
    public void Learn(SharedPortSocket connection, SocketAddress remote)
    {
        lock (_gate)
        {
            if (connection.IsClosed)
            {
                return;
            }

            if (_byAddress.TryGetValue(remote, out var owner))
            {
                if (!ReferenceEquals(owner, connection))
                {
                    _counters.Count(SharedPortCounter.AddressConflicts);
                }

                return;
            }

            var copy = new SocketAddress(remote.Family, remote.Size);
            remote.Buffer.Span[..remote.Size].CopyTo(copy.Buffer.Span);
            var known = connection.Addresses;
            if (known.Length >= _options.MaxAddressesPerConnection)
            {
                _byAddress.Remove(known[0]);
                _counters.Count(SharedPortCounter.AddressesEvicted);
                connection.Addresses = [.. known.AsSpan(1), copy];
            }
            else
            {
                connection.Addresses = [.. known, copy];
            }

            _byAddress[copy] = connection;
            _counters.Count(SharedPortCounter.AddressesLearned);
        }
    }

    /// <summary>Routes responses to the STUN request <paramref name="transactionId"/> to <paramref name="connection"/> (its ring of recent ones).</summary>
    public void RememberTransaction(SharedPortSocket connection, ReadOnlySpan<byte> transactionId)
    {
        var key = TransactionKey.Of(transactionId);
        lock (_gate)
        {
            if (connection.IsClosed || _byTransaction.ContainsKey(key))
            {
                return; // a retransmission keeps its entry
            }

            var ring = connection.Transactions;
            var slot = connection.NextTransaction;
            if (ring[slot] is { } old && _byTransaction.TryGetValue(old, out var owner) && ReferenceEquals(owner, connection))
            {
                _byTransaction.Remove(old);
            }

            ring[slot] = key;
            connection.NextTransaction = (slot + 1) % ring.Length;
            _byTransaction[key] = connection;
        }
    }

    public void SetUfrags(SharedPortSocket connection, string current, string? previous)
    {
        lock (_gate)
        {
            if (connection.IsClosed)
            {
                return;
            }

            ForgetUfrags(connection);
            connection.Ufrags = previous is null || previous == current ? [current] : [current, previous];
            foreach (var ufrag in connection.Ufrags)
            {
                if (!_byUfrag.TryAdd(ufrag, connection) && !ReferenceEquals(_byUfrag[ufrag], connection))
                {
                    _counters.Count(SharedPortCounter.UfragConflicts);
                }
            }
        }
    }

    /// <summary>Forgets everything of a closed connection; false if it was closed already.</summary>
    public bool Close(SharedPortSocket connection)
    {
        lock (_gate)
        {
            if (connection.IsClosed)
            {
                return false;
            }

            connection.IsClosed = true;
            _connections.Remove(connection);
            ForgetUfrags(connection);
            foreach (var address in connection.Addresses)
            {
                if (_byAddress.TryGetValue(address, out var owner) && ReferenceEquals(owner, connection))
                {
                    _byAddress.Remove(address);
                }
            }

            foreach (var transaction in connection.Transactions)
            {
                if (transaction is { } key && _byTransaction.TryGetValue(key, out var owner) && ReferenceEquals(owner, connection))
                {
                    _byTransaction.Remove(key);
                }
            }

            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            _stop.Cancel();
        }

        Socket.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void ForgetUfrags(SharedPortSocket connection)
    {
        foreach (var ufrag in connection.Ufrags)
        {
            if (_byUfrag.TryGetValue(ufrag, out var owner) && ReferenceEquals(owner, connection))
            {
                _byUfrag.Remove(ufrag);
            }
        }

        connection.Ufrags = [];
    }

    private static bool TryWidenAscii(ReadOnlySpan<byte> ascii, Span<char> chars)
    {
        for (var i = 0; i < ascii.Length; i++)
        {
            if (ascii[i] >= 0x80)
            {
                return false;
            }

            chars[i] = (char)ascii[i];
        }

        return true;
    }

    [LoggerMessage(EventId = 2210, Level = LogLevel.Warning, Message = "Shared port {Port} serves {Max} connections already; one more refused")]
    private static partial void LogConnectionRefused(ILogger logger, int port, int max);
}

/// <summary>A STUN transaction id (96 bits) as a dictionary key that allocates nothing.</summary>
internal readonly record struct TransactionKey(ulong High, uint Low)
{
    public static TransactionKey Of(ReadOnlySpan<byte> transactionId) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(transactionId), BinaryPrimitives.ReadUInt32BigEndian(transactionId[8..]));
}
