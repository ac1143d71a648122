using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Turn;

/// <summary>
/// The relayed transport address of a <see cref="TurnClient"/> as an <see cref="IDatagramSocket"/>, so
/// ICE can gather it as a relay candidate and run checks and media over it like a local socket.
/// <see cref="TrySendTo"/> goes to the peer through the server; data the server relays from a peer is
/// queued (bounded, pooled buffers) and returned by <see cref="ReceiveFromAsync"/> with the peer's
/// address. Disposing it releases the allocation.
/// </summary>
public sealed class TurnRelaySocket : IDatagramSocket
{
    private readonly TurnClient _client;
    private readonly Channel<Received> _queue;

    internal TurnRelaySocket(TurnClient client, IPEndPoint relayed, int capacity)
    {
        _client = client;
        LocalEndPoint = relayed;
        _queue = Channel.CreateBounded<Received>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>The relayed address (XOR-RELAYED-ADDRESS).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => LocalEndPoint.AddressFamily;

    public TurnClient Client => _client;

    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);

        // Fast path without an async state machine: a datagram is already queued.
        return _queue.Reader.TryRead(out var item)
            ? new ValueTask<int>(CopyOut(item, buffer.Span, remote))
            : WaitAndReceiveAsync(buffer, remote, cancellationToken);
    }

    private async ValueTask<int> WaitAndReceiveAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken)
    {
        Received item;
        try
        {
            item = await _queue.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(TurnRelaySocket));
        }

        return CopyOut(item, buffer.Span, remote);
    }

    /// <summary>Copies the datagram (truncated to the caller's buffer, like a UDP socket) and the peer's address; returns the pooled buffer.</summary>
    private static int CopyOut(Received item, Span<byte> buffer, SocketAddress remote)
    {
        try
        {
            var length = Math.Min(item.Length, buffer.Length);
            item.Buffer.AsSpan(0, length).CopyTo(buffer);
            var source = item.Peer.Address;
            source.Buffer.Span[..source.Size].CopyTo(remote.Buffer.Span);
            remote.Size = source.Size;
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote) => _client.TrySend(datagram, remote);

    /// <summary>Releases the allocation in the background (Refresh LIFETIME 0); use <see cref="TurnClient.DisposeAsync"/> to await it.</summary>
    public void Dispose()
    {
        Complete();
        _ = _client.DisposeAsync().AsTask();
    }

    internal bool Enqueue(ReadOnlySpan<byte> payload, TurnPeer peer)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(payload.Length);
        payload.CopyTo(buffer);
        if (_queue.Writer.TryWrite(new Received(buffer, payload.Length, peer)))
        {
            return true;
        }

        ArrayPool<byte>.Shared.Return(buffer);
        return false;
    }

    internal void Complete()
    {
        if (_queue.Writer.TryComplete())
        {
            while (_queue.Reader.TryRead(out var item))
            {
                ArrayPool<byte>.Shared.Return(item.Buffer);
            }
        }
    }

    private readonly record struct Received(byte[] Buffer, int Length, TurnPeer Peer);
}
