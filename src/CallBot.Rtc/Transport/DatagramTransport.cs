using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Transport;

/// <summary>
/// The sockets of one peer connection and their receive loops. Each loop owns one pooled buffer
/// and one <see cref="SocketAddress"/> for its lifetime (no per-datagram allocation) and hands every
/// datagram, by its first byte (RFC 7983), to <see cref="StunPacketReceived"/>,
/// <see cref="DtlsPacketReceived"/> or <see cref="RtpPacketReceived"/>, synchronously.
/// </summary>
public sealed partial class DatagramTransport : IAsyncDisposable
{
    /// <summary>Receive buffer per socket; larger than any datagram a WebRTC peer sends.</summary>
    public const int ReceiveBufferSize = 2048;

    /// <summary>
    /// Datagrams one batch receive takes after a wake-up: a video frame's packets arrive together, and taking them in
    /// one <c>recvmmsg</c> saves a system call (and, on a busy receiver, a completion) each. 8 × 2 KiB per socket.
    /// </summary>
    public const int QueuedReceiveCapacity = 8;

    private readonly IDatagramSocketFactory _factory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IDatagramSocket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public DatagramTransport(IDatagramSocketFactory? factory = null, ILogger? logger = null)
    {
        _factory = factory ?? UdpSocketFactory.Instance;
        _logger = logger ?? NullLogger.Instance;
    }

    public StunDatagramHandler? StunPacketReceived { get; set; }

    public DatagramHandler? DtlsPacketReceived { get; set; }

    public DatagramHandler? RtpPacketReceived { get; set; }

    /// <summary>Source check for DTLS and RTP/RTCP (the ICE agent's: only addresses that passed a STUN check); null = all.</summary>
    public DatagramAdmission? Admission { get; set; }

    public TransportCounters Counters { get; } = new();

    public IDatagramSocketFactory SocketFactory => _factory;

    public IReadOnlyList<IDatagramSocket> Sockets
    {
        get
        {
            lock (_gate)
            {
                return [.. _sockets];
            }
        }
    }

    /// <summary>Binds one more socket and starts its receive loop.</summary>
    public IDatagramSocket Bind(IPEndPoint localEndPoint)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var socket = _factory.Bind(localEndPoint);
            _sockets.Add(socket);
            _loops.Add(Task.Run(() => ReceiveLoopAsync(socket, _stop.Token)));
            return socket;
        }
    }

    /// <summary>Adds a socket made elsewhere (a TURN relay socket), starts its receive loop, and disposes it with the rest.</summary>
    public void Adopt(IDatagramSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _sockets.Add(socket);
            _loops.Add(Task.Run(() => ReceiveLoopAsync(socket, _stop.Token)));
        }
    }

    /// <summary>True when every receive loop has finished (after dispose).</summary>
    public bool AllLoopsCompleted
    {
        get
        {
            lock (_gate)
            {
                foreach (var loop in _loops)
                {
                    if (!loop.IsCompleted)
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loops = [.. _loops];
        }

        await _stop.CancelAsync();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Classifies and dispatches one datagram (public so tests and TURN can inject unwrapped data).</summary>
    public void Dispatch(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        Counters.Count(TransportCounter.Received);
        switch (DatagramClassifier.Classify(datagram))
        {
            case DatagramKind.Stun when StunPacketReceived is { } stun:
                Counters.Count(TransportCounter.Stun);
                stun(datagram, source, socket);
                break;
            case DatagramKind.Dtls when DtlsPacketReceived is { } dtls:
                Counters.Count(TransportCounter.Dtls);
                if (Admission is not { } admitDtls || admitDtls(DatagramKind.Dtls, datagram, source, socket))
                {
                    dtls(datagram);
                }

                break;
            case DatagramKind.RtpOrRtcp when RtpPacketReceived is { } rtp:
                Counters.Count(TransportCounter.RtpOrRtcp);
                if (Admission is not { } admitRtp || admitRtp(DatagramKind.RtpOrRtcp, datagram, source, socket))
                {
                    rtp(datagram);
                }

                break;
            default:
                Counters.Count(TransportCounter.Dropped);
                break;
        }
    }

    private async Task ReceiveLoopAsync(IDatagramSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        var source = new SocketAddress(socket.AddressFamily);
        var queued = socket.CanReceiveQueued ? new DatagramBatch(QueuedReceiveCapacity, ReceiveBufferSize) : null;
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
                    Counters.Count(TransportCounter.ReceiveErrors);
                    LogReceiveError(_logger, ex.SocketErrorCode);
                    continue;
                }

                SafeDispatch(buffer.AsSpan(0, length), source, socket);
                if (queued is not null)
                {
                    DispatchQueued(socket, queued, source, cancellationToken);
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

    /// <summary>Dispatches what is already queued behind the datagram just received, a batch at a time, without waiting.</summary>
    private void DispatchQueued(IDatagramSocket socket, DatagramBatch batch, SocketAddress source, CancellationToken cancellationToken)
    {
        int count;
        do
        {
            count = socket.ReceiveQueued(batch);
            if (count == 0)
            {
                return;
            }

            Counters.Count(TransportCounter.QueuedReceives);
            for (var i = 0; i < count; i++)
            {
                Counters.Count(TransportCounter.ReceivedQueued);
                if (batch.IsTruncated(i))
                {
                    Counters.Count(TransportCounter.Truncated);
                    continue;
                }

                batch.CopyRemoteTo(i, source);
                SafeDispatch(batch.Datagram(i), source, socket);
            }
        }
        while (count == batch.Capacity && !cancellationToken.IsCancellationRequested);
    }

    private void SafeDispatch(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        try
        {
            Dispatch(datagram, source, socket);
        }
#pragma warning disable CA1031 // A faulty handler must not stop the receive loop of the connection.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, ex);
        }
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Debug, Message = "UDP receive error {Error}; loop continues")]
    private static partial void LogReceiveError(ILogger logger, SocketError error);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Datagram handler threw; datagram dropped")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);
}
