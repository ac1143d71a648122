using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Transport;

/// <summary>
/// The sockets of one peer connection and their receive loops (<see cref="DatagramReceiveLoop"/>: no per-datagram
/// allocation). Every datagram goes, by its first byte (RFC 7983), to <see cref="StunPacketReceived"/>,
/// <see cref="DtlsPacketReceived"/> or <see cref="RtpPacketReceived"/>, synchronously. A socket of a shared port
/// (<see cref="ISharedDatagramSocket"/>) gets no loop of its own: the port's loop hands it what is routed to it.
/// </summary>
public sealed class DatagramTransport : IAsyncDisposable
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
    private string? _localUfrag;
    private string? _previousLocalUfrag;

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
            StartReceiving(socket);
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
            StartReceiving(socket);
        }
    }

    /// <summary>
    /// The local ICE ufrags whose Binding requests belong to this connection: the current generation's and the one before
    /// (a restarting peer may still check with it). Only shared-port sockets route by them; others ignore them.
    /// </summary>
    public void SetLocalUfrags(string current, string? previous)
    {
        ArgumentException.ThrowIfNullOrEmpty(current);
        lock (_gate)
        {
            _localUfrag = current;
            _previousLocalUfrag = previous;
            foreach (var socket in _sockets)
            {
                (socket as ISharedDatagramSocket)?.SetLocalUfrags(current, previous);
            }
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

    private void StartReceiving(IDatagramSocket socket)
    {
        _sockets.Add(socket);
        if (socket is ISharedDatagramSocket shared)
        {
            if (_localUfrag is not null)
            {
                shared.SetLocalUfrags(_localUfrag, _previousLocalUfrag);
            }

            shared.StartReceiving(Dispatch);
            return;
        }

        _loops.Add(Task.Run(() => DatagramReceiveLoop.RunAsync(socket, Dispatch, Counters, _logger, _stop.Token)));
    }
}
