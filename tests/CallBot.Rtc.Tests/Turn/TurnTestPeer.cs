using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>A plain UDP socket on 127.0.0.1 standing in for the remote peer of a relayed allocation.</summary>
internal sealed class TurnTestPeer : IDisposable
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public TurnTestPeer()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint EndPoint { get; }

    public Task SendAsync(byte[] payload, IPEndPoint to) => _socket.SendToAsync(payload, to);

    /// <summary>Next datagram and its source; fails the test after <see cref="ReceiveTimeout"/>.</summary>
    public async Task<(byte[] Payload, IPEndPoint From)> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(ReceiveTimeout);
        var buffer = new byte[2048];
        var result = await _socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
        return (buffer.AsSpan(0, result.ReceivedBytes).ToArray(), (IPEndPoint)result.RemoteEndPoint);
    }

    public void Dispose() => _socket.Dispose();
}
