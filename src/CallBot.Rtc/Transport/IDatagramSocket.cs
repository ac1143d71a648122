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
}

/// <summary>Creates sockets and tells which local addresses exist (the seam between ICE gathering and the OS).</summary>
public interface IDatagramSocketFactory
{
    /// <summary>Binds a socket; port 0 lets the system choose.</summary>
    IDatagramSocket Bind(IPEndPoint localEndPoint);

    /// <summary>Unicast addresses of interfaces that are up, loopback included (the gatherer filters).</summary>
    IReadOnlyList<IPAddress> GetHostAddresses();
}
