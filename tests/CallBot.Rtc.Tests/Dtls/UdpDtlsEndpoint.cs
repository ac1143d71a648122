using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Dtls;

namespace CallBot.Rtc.Tests.Dtls;

/// <summary>A loopback UDP socket that feeds a <see cref="DtlsSrtpTransport"/>: the smallest possible "ICE transport".</summary>
internal sealed class UdpDtlsEndpoint : IAsyncDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource stop = new();
    private Task? receiveLoop;
    private EndPoint? remote;

    public UdpDtlsEndpoint(EndPoint? remote = null)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        this.remote = remote;
    }

    public int Port => ((IPEndPoint)socket.LocalEndPoint!).Port;

    public DtlsSrtpTransport? Transport { get; private set; }

    public DtlsSrtpTransport Attach(DtlsSrtpOptions options)
    {
        Transport = new DtlsSrtpTransport(options, Send);
        receiveLoop = ReceiveAsync();
        return Transport;
    }

    private void Send(ReadOnlySpan<byte> datagram)
    {
        var to = Volatile.Read(ref remote);
        if (to is not null)
        {
            socket.SendTo(datagram, SocketFlags.None, to);
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable before the peer is up
            }

            Interlocked.CompareExchange(ref remote, received.RemoteEndPoint, null);
            Transport?.OnDatagram(buffer.AsSpan(0, received.ReceivedBytes));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Transport is not null)
        {
            await Transport.DisposeAsync();
        }

        await stop.CancelAsync();
        if (receiveLoop is not null)
        {
            await receiveLoop;
        }

        socket.Dispose();
        stop.Dispose();
    }
}
