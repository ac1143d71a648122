using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Worker.Load;

/// <summary>
/// Single-port mode of <c>callbot load</c>: a pool of K shared ports (<see cref="SharedPortSocketFactory"/>, one socket
/// per port and address family) for every bot of the run, instead of a socket per peer connection. A shared socket routes
/// DTLS and SRTP by source address only, so two connections of one port must never talk to the same remote address; here
/// both ends of every connection are in this process, so for the length of a call its participants sit on distinct ports
/// and each unordered pair of ports carries at most one connection in the process (<see cref="TryAssign"/>). A bot is in
/// one call at a time (the driver holds its turn), so its connections bind on the port its current call gave it.
/// K is sized from the user pool (<see cref="PortsFor"/>): O(√users) sockets, never more than one port per user.
/// </summary>
internal sealed class LoadPorts : IAsyncDisposable
{
    private readonly SharedPortSocketFactory[] _ports;
    private readonly bool[] _pairInUse;
    private readonly Dictionary<int, BotSockets> _bots = [];
    private readonly Lock _gate = new();
    private int _rotation;

    public LoadPorts(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        _ports = new SharedPortSocketFactory[count];
        for (var i = 0; i < count; i++)
        {
            _ports[i] = new SharedPortSocketFactory();
        }

        _pairInUse = new bool[count * count];
    }

    /// <summary>K: the shared ports of the run (each binds its sockets on first use).</summary>
    public int Count => _ports.Length;

    /// <summary>The ports bound so far (one entry per port and family).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => [.. _ports.SelectMany(p => p.LocalEndPoints)];

    /// <summary>Peer connections open on the pool now.</summary>
    public int ConnectionCount => _ports.Sum(p => p.ConnectionCount);

    /// <summary>A counter summed over every port.</summary>
    public long Total(SharedPortCounter counter) => _ports.Sum(p => p.Counters[counter]);

    /// <summary>
    /// K for <paramref name="users"/> bots in calls of <paramref name="groupSize"/>: at most users / groupSize calls at once,
    /// each holding groupSize(groupSize−1)/2 pairs of ports, and K(K−1)/2 pairs to place them in. Any free pair takes a
    /// 1:1 call; groups get twice the room, since a group needs pairs that meet in a clique. Never more than one per user
    /// (with one port per user every pair of ports is one pair of users, who are in one call at a time).
    /// </summary>
    public static int PortsFor(int users, int groupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 2);
        var pairs = (long)(users / groupSize) * groupSize * (groupSize - 1) / 2;
        var needed = groupSize == 2 ? pairs : 2 * pairs;
        var k = groupSize;
        while ((long)k * (k - 1) / 2 < needed)
        {
            k++;
        }

        return Math.Max(2, Math.Min(k, users));
    }

    /// <summary>The socket factory of one bot: it binds on the port of the bot's current call.</summary>
    public IDatagramSocketFactory SocketsOf(int userId)
    {
        lock (_gate)
        {
            if (!_bots.TryGetValue(userId, out var sockets))
            {
                sockets = new BotSockets(userId);
                _bots.Add(userId, sockets);
            }

            return sockets;
        }
    }

    /// <summary>
    /// Seats the participants of a call on distinct ports whose pairs no other call holds, until the lease is disposed;
    /// null when no such seating exists now (the pool is sized so that it does; the call then fails as such).
    /// </summary>
    public IDisposable? TryAssign(IReadOnlyList<int> userIds)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var seats = new int[userIds.Count];
        lock (_gate)
        {
            var start = (int)((uint)_rotation++ % (uint)_ports.Length); // each call starts on the next port: connections spread
            var budget = 100_000;
            if (userIds.Count > _ports.Length || !Seat(seats, 0, start, ref budget))
            {
                return null;
            }

            for (var i = 0; i < seats.Length; i++)
            {
                for (var j = i + 1; j < seats.Length; j++)
                {
                    _pairInUse[PairIndex(seats[i], seats[j])] = true;
                }

                var bot = _bots[userIds[i]];
                bot.Port = _ports[seats[i]];
            }
        }

        return new Lease(this, userIds, seats);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var port in _ports)
        {
            await port.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Depth-first: participant <paramref name="index"/> on a port that is free with every one seated before it.</summary>
    private bool Seat(int[] seats, int index, int start, ref int budget)
    {
        if (index == seats.Length)
        {
            return true;
        }

        for (var step = 0; step < _ports.Length && budget-- > 0; step++)
        {
            var port = (start + step) % _ports.Length;
            var free = true;
            for (var before = 0; before < index && free; before++)
            {
                free = seats[before] != port && !_pairInUse[PairIndex(seats[before], port)];
            }

            if (free)
            {
                seats[index] = port;
                if (Seat(seats, index + 1, start + 1, ref budget))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private int PairIndex(int a, int b) => Math.Min(a, b) * _ports.Length + Math.Max(a, b);

    private void Release(IReadOnlyList<int> userIds, int[] seats)
    {
        lock (_gate)
        {
            for (var i = 0; i < seats.Length; i++)
            {
                for (var j = i + 1; j < seats.Length; j++)
                {
                    _pairInUse[PairIndex(seats[i], seats[j])] = false;
                }

                _bots[userIds[i]].Port = null;
            }
        }
    }

    private sealed class Lease(LoadPorts ports, IReadOnlyList<int> userIds, int[] seats) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                ports.Release(userIds, seats);
            }
        }
    }

    /// <summary>One bot's host sockets: a connection of the bot's current call on that call's port.</summary>
    private sealed class BotSockets(int userId) : IDatagramSocketFactory
    {
        private volatile SharedPortSocketFactory? _port;

        public SharedPortSocketFactory? Port
        {
            get => _port;
            set => _port = value;
        }

        public IDatagramSocket Bind(IPEndPoint localEndPoint) =>
            _port?.Bind(localEndPoint) ?? throw new SocketException((int)SocketError.AddressNotAvailable, $"load bot {userId} has no shared port outside a call");

        public IReadOnlyList<IPAddress> GetHostAddresses() => UdpSocketFactory.Instance.GetHostAddresses();
    }
}
