using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Transport;

/// <summary>
/// The receive loop of one socket: waits for a datagram, hands it to a handler synchronously, then takes what is already
/// queued behind it in batches (<c>recvmmsg</c> where the socket can) before waiting again. Owns one pooled buffer, one
/// <see cref="SocketAddress"/> and one batch for its lifetime: nothing is allocated per datagram. Used by a peer
/// connection's own sockets (<see cref="DatagramTransport"/>) and by a shared port (<see cref="SharedPortSocketFactory"/>).
/// </summary>
internal static partial class DatagramReceiveLoop
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled or the socket is disposed.</summary>
    public static async Task RunAsync(
        IDatagramSocket socket,
        ReceivedDatagramHandler handler,
        TransportCounters counters,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(DatagramTransport.ReceiveBufferSize);
        var source = new SocketAddress(socket.AddressFamily);
        var queued = socket.CanReceiveQueued ? new DatagramBatch(DatagramTransport.QueuedReceiveCapacity, DatagramTransport.ReceiveBufferSize) : null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int length;
                try
                {
                    length = await socket.ReceiveFromAsync(buffer, source, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    counters.Count(TransportCounter.ReceiveErrors);
                    LogReceiveError(logger, ex.SocketErrorCode);
                    continue;
                }

                SafeHandle(handler, buffer.AsSpan(0, length), source, socket, logger);
                if (queued is not null)
                {
                    HandleQueued(socket, queued, source, handler, counters, logger, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hands over what is already queued behind the datagram just received, a batch at a time, without waiting.</summary>
    private static void HandleQueued(
        IDatagramSocket socket,
        DatagramBatch batch,
        SocketAddress source,
        ReceivedDatagramHandler handler,
        TransportCounters counters,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        int count;
        do
        {
            count = socket.ReceiveQueued(batch);
            if (count == 0)
            {
                return;
            }

            counters.Count(TransportCounter.QueuedReceives);
            for (var i = 0; i < count; i++)
            {
                counters.Count(TransportCounter.ReceivedQueued);
                if (batch.IsTruncated(i))
                {
                    counters.Count(TransportCounter.Truncated);
                    continue;
                }

                batch.CopyRemoteTo(i, source);
                SafeHandle(handler, batch.Datagram(i), source, socket, logger);
            }
        }
        while (count == batch.Capacity && !cancellationToken.IsCancellationRequested);
    }

    private static void SafeHandle(ReceivedDatagramHandler handler, ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket, ILogger logger)
    {
        try
        {
            handler(datagram, source, socket);
        }
#pragma warning disable CA1031 // A faulty handler must not stop the receive loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Debug, Message = "UDP receive error {Error}; loop continues")]
    private static partial void LogReceiveError(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Datagram handler threw; datagram dropped")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
