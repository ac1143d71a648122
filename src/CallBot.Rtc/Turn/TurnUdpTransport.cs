using System.Buffers;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Turn;

/// <summary>TURN over UDP: one socket; datagrams from any address but the server's are dropped.</summary>
internal sealed class TurnUdpTransport : ITurnTransport
{
    private const int ReceiveBufferSize = 2048;

    private readonly IDatagramSocket _socket;
    private readonly SocketAddress _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly TurnCounters _counters;
    private int _disposed;
    private Task _loop = Task.CompletedTask;

    public TurnUdpTransport(IDatagramSocket socket, IPEndPoint server, TurnCounters counters)
    {
        _socket = socket;
        ServerEndPoint = server;
        _server = server.Serialize();
        _counters = counters;
    }

    public bool IsReliable => false;

    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    public IPEndPoint ServerEndPoint { get; }

    public void Start(TurnFrameHandler received, Action<Exception?> closed) =>
        _loop = Task.Run(() => ReceiveLoopAsync(received, closed, _stop.Token));

    public bool TrySend(ReadOnlySpan<byte> frame) => _socket.TrySendTo(frame, _server);

    public async ValueTask DisposeAsync()
    {
        // The client may dispose a transport from an abandoned allocation attempt and from its own DisposeAsync.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync(TurnFrameHandler received, Action<Exception?> closed, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        var source = new SocketAddress(_socket.AddressFamily);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await _socket.ReceiveFromAsync(buffer, source, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException) when (!cancellationToken.IsCancellationRequested)
                {
                    // ICMP port unreachable surfaces here on Linux; the transaction timers decide.
                    continue;
                }

                if (!source.Equals(_server))
                {
                    _counters.Drops.Count(TurnDropReason.NotStunOrChannelData);
                    continue;
                }

                received(buffer.AsSpan(0, length));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // The loop must end quietly and report why; the client decides what to do.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            closed(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
