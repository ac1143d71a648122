using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Transport;

/// <summary>A real UDP socket. IPv6 sockets are IPv6-only: each family gets its own socket (see README).</summary>
public sealed class UdpDatagramSocket : IDatagramSocket
{
    /// <summary>Large enough for any UDP payload we accept; avoids truncation of jumbo test datagrams.</summary>
    private const int SocketBufferBytes = 1 << 20;

    private readonly Socket _socket;

    public UdpDatagramSocket(IPEndPoint localEndPoint)
    {
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _socket.DualMode = false;
            }

            _socket.ReceiveBufferSize = SocketBufferBytes;
            _socket.SendBufferSize = SocketBufferBytes;
            _socket.Bind(localEndPoint);
            LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => LocalEndPoint.AddressFamily;

    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) =>
        _socket.ReceiveFromAsync(buffer, SocketFlags.None, remote, cancellationToken);

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            return _socket.SendTo(datagram, SocketFlags.None, remote) == datagram.Length;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => _socket.Dispose();
}
