using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Tests.Network;

/// <summary>Echoes every datagram back to its sender until disposed.</summary>
internal sealed class UdpEchoServer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public UdpEchoServer(Socket socket)
    {
        _socket = socket;
        _loop = Task.Run(LoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(_socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                int n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token);
                await _socket.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, from, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>Sends numbered probes and waits for the matching echo; stale echoes of earlier probes are ignored.</summary>
internal sealed class UdpEchoProbe(Socket socket)
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(250);
    private int _next;

    /// <summary>One probe: true if its echo came back within <paramref name="timeout"/>.</summary>
    public async Task<bool> TryEchoAsync(IPEndPoint target, TimeSpan timeout)
    {
        var probe = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(probe, Interlocked.Increment(ref _next));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendToAsync(probe, SocketFlags.None, target, cts.Token);
            var reply = new byte[64];
            var from = new SocketAddress(socket.AddressFamily);
            while (true)
            {
                int n = await socket.ReceiveFromAsync(reply, SocketFlags.None, from, cts.Token);
                if (n == probe.Length && reply.AsSpan(0, n).SequenceEqual(probe))
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false; // e.g. ENETUNREACH while the link or its address is gone
        }
    }

    /// <summary>Probes repeatedly (each attempt bounded) until one echo returns; false if none did by <paramref name="deadline"/>.</summary>
    public async Task<bool> EchoWithinAsync(IPEndPoint target, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline; // a real kernel link: probes until it carries traffic, bounded
        while (DateTime.UtcNow < until)
        {
            if (await TryEchoAsync(target, AttemptTimeout))
            {
                return true;
            }
        }

        return false;
    }
}
