using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Transport;

/// <summary>
/// One bound datagram socket. Real UDP in production (<see cref="UdpDatagramSocket"/>), an
/// <see cref="InMemoryNetwork"/> endpoint in tests. Implementations must not allocate per datagram
/// on the real path and must never throw from <see cref="TrySendTo"/>.
/// </summary>
public interface IDatagramSocket : IDisposable
{
    IPEndPoint LocalEndPoint { get; }

    AddressFamily AddressFamily { get; }

    /// <summary>Waits for one datagram; fills <paramref name="remote"/> with its source. Throws when disposed or cancelled.</summary>
    ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken);

    /// <summary>Sends one datagram; false if the OS (or the fake network) refused it.</summary>
    bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote);

    /// <summary>
    /// Sends the datagrams of <paramref name="batch"/> in order; returns how many the OS (or the fake network) took.
    /// Real UDP on Linux does it in one <c>sendmmsg</c>; the default sends them one by one.
    /// </summary>
    int SendBatch(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var sent = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (TrySendTo(batch.Datagram(i), batch.RemoteOf(i, AddressFamily)))
            {
                sent++;
            }
        }

        return sent;
    }

    /// <summary>True if <see cref="ReceiveQueued"/> can return datagrams (so a receive loop should keep a batch for it).</summary>
    bool CanReceiveQueued => false;

    /// <summary>
    /// Takes, without waiting, the datagrams already queued on the socket into <paramref name="batch"/> (up to its
    /// capacity) and returns how many. Real UDP on Linux does it in one <c>recvmmsg</c>; the default takes none, so a
    /// caller simply goes back to <see cref="ReceiveFromAsync"/>.
    /// </summary>
    int ReceiveQueued(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        return 0;
    }
}

/// <summary>Creates sockets and tells which local addresses exist (the seam between ICE gathering and the OS).</summary>
public interface IDatagramSocketFactory
{
    /// <summary>Binds a socket; port 0 lets the system choose.</summary>
    IDatagramSocket Bind(IPEndPoint localEndPoint);

    /// <summary>Unicast addresses of interfaces that are up, loopback included (the gatherer filters).</summary>
    IReadOnlyList<IPAddress> GetHostAddresses();
}

/// <summary>
/// A socket of a shared port (<see cref="SharedPortSocketFactory"/>): it has no receive loop of its own; the port's loop
/// routes datagrams to it and hands them to the handler given to <see cref="StartReceiving"/>.
/// <see cref="IDatagramSocket.ReceiveFromAsync"/> is not supported.
/// </summary>
public interface ISharedDatagramSocket : IDatagramSocket
{
    /// <summary>From now on, every datagram routed to this socket goes to <paramref name="handler"/>, on the port's receive loop.</summary>
    void StartReceiving(ReceivedDatagramHandler handler);

    /// <summary>
    /// The local ICE ufrags whose Binding requests are routed here (a request names the receiver's ufrag first in its
    /// USERNAME): the current generation's and, after an ICE restart, the one before. Replaces the previous set.
    /// </summary>
    void SetLocalUfrags(string current, string? previous);
}
