using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Transport;

/// <summary>
/// An impaired connection on a shared port (a load bot of an impaired group in single-port mode): the
/// <see cref="ImpairedDatagramSocket"/> decisions per connection, as with a socket of its own, and still an
/// <see cref="ISharedDatagramSocket"/> so the port routes the connection's ufrags to it. Sends go through the impaired
/// uplink; what the port routes here passes the downlink decisions into the impaired socket's queue, and one loop per
/// connection hands it to the connection in order (never from the scheduler's thread, so the connection sees one
/// receiving thread, as with its own socket).
/// </summary>
public sealed class ImpairedSharedDatagramSocket : ISharedDatagramSocket
{
    private readonly ISharedDatagramSocket _port;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _disposed;

    public ImpairedSharedDatagramSocket(ISharedDatagramSocket port, ImpairedDatagramSocket impaired)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(impaired);
        _port = port;
        Impaired = impaired;
    }

    /// <summary>The decisions and their counters (its inner socket is the shared-port socket).</summary>
    public ImpairedDatagramSocket Impaired { get; }

    /// <summary>The loop's receive counts.</summary>
    public TransportCounters LoopCounters { get; } = new();

    public IPEndPoint LocalEndPoint => Impaired.LocalEndPoint;

    public AddressFamily AddressFamily => Impaired.AddressFamily;

    public void StartReceiving(ReceivedDatagramHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_loop is not null)
        {
            throw new InvalidOperationException("Already receiving.");
        }

        // The handler is told this socket (not the impaired one inside): replies and candidate pairs name the socket ICE bound.
        _loop = Task.Run(() => DatagramReceiveLoop.RunAsync(Impaired, (datagram, source, _) => handler(datagram, source, this), LoopCounters, NullLogger.Instance, _stop.Token));
    }

    public void SetLocalUfrags(string current, string? previous) => _port.SetLocalUfrags(current, previous);

    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A shared-port socket receives through StartReceiving.");

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote) => Impaired.TrySendTo(datagram, remote);

    public int SendBatch(DatagramBatch batch) => ((IDatagramSocket)Impaired).SendBatch(batch);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Not waiting for the loop: a connection may close from its own handler, on that loop.
        _stop.Cancel();
        Impaired.Dispose(); // gives the connection's place on the port back; the loop ends with the queue
        _stop.Dispose();
    }
}
