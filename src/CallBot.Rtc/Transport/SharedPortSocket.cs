using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Transport;

/// <summary>
/// One peer connection's view of a <see cref="SharedPort"/>: sends go out on the shared socket (teaching the port which
/// remote addresses and STUN transactions are this connection's), and the port's receive loop hands over what is routed
/// here. Sending allocates nothing once an address is known.
/// </summary>
internal sealed class SharedPortSocket : ISharedDatagramSocket
{
    private const ushort BindingRequest = 0x0001;
    private const ushort BindingError = 0x0111;
    private readonly SharedPort _port;
    private ReceivedDatagramHandler? _handler;
    private volatile SocketAddress[] _addresses = [];
    private volatile bool _closed;

    public SharedPortSocket(SharedPort port, int maxTransactions)
    {
        _port = port;
        Transactions = new TransactionKey?[maxTransactions];
    }

    public IPEndPoint LocalEndPoint => _port.Socket.LocalEndPoint;

    public AddressFamily AddressFamily => _port.Socket.AddressFamily;

    /// <summary>Remote addresses this connection sent to, oldest first (copy on write, under the port's lock).</summary>
    internal SocketAddress[] Addresses
    {
        get => _addresses;
        set => _addresses = value;
    }

    /// <summary>Local ufrags registered for this connection (under the port's lock).</summary>
    internal string[] Ufrags { get; set; } = [];

    /// <summary>Ring of the last STUN requests' transaction ids (under the port's lock).</summary>
    internal TransactionKey?[] Transactions { get; }

    internal int NextTransaction { get; set; }

    internal bool IsClosed
    {
        get => _closed;
        set => _closed = value;
    }

    public void StartReceiving(ReceivedDatagramHandler handler) => Volatile.Write(ref _handler, handler);

    public void SetLocalUfrags(string current, string? previous)
    {
        ArgumentException.ThrowIfNullOrEmpty(current);
        _port.SetUfrags(this, current, previous);
    }

    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A shared-port socket receives through StartReceiving; the port's loop reads the socket.");

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        if (_closed)
        {
            return false;
        }

        BeforeSend(datagram, remote);
        return _port.Socket.TrySendTo(datagram, remote);
    }

    public int SendBatch(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_closed)
        {
            return 0;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            BeforeSend(batch.Datagram(i), batch.RemoteOf(i, AddressFamily));
        }

        return _port.Socket.SendBatch(batch);
    }

    /// <summary>On the shared port's receive loop.</summary>
    internal void Deliver(ReadOnlySpan<byte> datagram, SocketAddress source)
    {
        if (!_closed && Volatile.Read(ref _handler) is { } handler)
        {
            handler(datagram, source, this);
        }
    }

    public void Dispose() => _port.Close(this);

    /// <summary>
    /// Teaches the port what this send makes ours: the remote address, unless this is the error answer an agent gives
    /// unauthenticated requests (anyone who knows a ufrag can make us send those, from any source); a Binding request's
    /// transaction, whose response may come from an address another connection owns (a shared STUN server).
    /// </summary>
    private void BeforeSend(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        var stunType = datagram.Length >= StunConstants.HeaderSize
            && BinaryPrimitives.ReadUInt32BigEndian(datagram[StunConstants.CookieOffset..]) == StunConstants.MagicCookie
            ? BinaryPrimitives.ReadUInt16BigEndian(datagram)
            : (ushort)0xffff;
        if (stunType != BindingError && !Knows(remote))
        {
            _port.Learn(this, remote);
        }

        if (stunType == BindingRequest)
        {
            _port.RememberTransaction(this, datagram.Slice(StunConstants.TransactionIdOffset, StunConstants.TransactionIdSize));
        }
    }

    private bool Knows(SocketAddress remote)
    {
        var known = _addresses;
        for (var i = 0; i < known.Length; i++)
        {
            if (known[i].Equals(remote))
            {
                return true;
            }
        }

        return false;
    }
}
