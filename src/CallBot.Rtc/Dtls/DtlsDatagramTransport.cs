using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// Adapts the push-style UDP receive loop to BouncyCastle's blocking <see cref="DatagramTransport"/>, and shapes what
/// crosses the network the way browsers' DTLS stacks do:
/// <list type="bullet">
/// <item><b>Flights packed into datagrams.</b> BouncyCastle hands over one record per <see cref="Send(ReadOnlySpan{byte})"/>
/// (ChangeCipherSpec and Finished apart). Records are gathered into one datagram up to the send limit and leave when
/// BouncyCastle next waits for the peer (<see cref="Receive(Span{byte}, int)"/>) or when the owner calls
/// <see cref="Flush"/>. A flight then crosses the network as one datagram (ours is ~800 B), so a random loss costs a
/// flight with the probability of one datagram instead of five, and the Finished can no longer overtake its
/// ChangeCipherSpec (RFC 6347 §4.1.1 allows several records per datagram; BoringSSL and OpenSSL pack the same way).</item>
/// <item><b>Future-epoch records held for their ChangeCipherSpec.</b> BouncyCastle drops a record of an epoch it has not
/// switched to yet. A peer that sends ChangeCipherSpec and Finished as separate datagrams loses its Finished whenever
/// the path reorders the two, and pays a retransmission timeout. Until the peer's ChangeCipherSpec has been seen, a
/// datagram that starts with a record of epoch ≥ 1 is held (at most <see cref="MaxHeldForEpoch"/>) and released right
/// after it (RFC 6347 §4.1: records of a future epoch may be queued).</item>
/// </list>
/// <see cref="Enqueue"/> copies a datagram into a pooled buffer on a bounded queue (never blocks the receive loop);
/// <see cref="Receive(Span{byte}, int)"/> blocks the DTLS thread until one is there or the wait ends. Sends go to the
/// caller's delegate, which must be safe to call from any thread.
/// </summary>
internal sealed class DtlsDatagramTransport : DatagramTransport
{
    // DTLS records never exceed an Ethernet MTU from browsers; anything larger is not ours to parse.
    public const int ReceiveLimit = 1500;

    /// <summary>Datagrams of a future epoch kept while the peer's ChangeCipherSpec is missing (a flight's worth).</summary>
    public const int MaxHeldForEpoch = 8;

    private const int RecordHeaderLength = 13;
    private const byte ChangeCipherSpecType = 20;

    private readonly Action<ReadOnlySpan<byte>> _send;
    private readonly int _sendLimit;
    private readonly int _capacity;
    private readonly Queue<(byte[] Buffer, int Length)> queue;
    private readonly Queue<(byte[] Buffer, int Length)> heldForEpoch = new(MaxHeldForEpoch);
    private readonly object _gate = new(); // a Monitor, not System.Threading.Lock: Receive needs Monitor.Wait
    private readonly Lock _sendGate = new();
    private readonly byte[] _packing;
    private int _packed;
    private bool _closed;
    private bool _peerChangedCipher;
    private long _dropped;
    private long _sendErrors;
    private long _held;

    public DtlsDatagramTransport(Action<ReadOnlySpan<byte>> send, int sendLimit, int capacity)
    {
        _send = send;
        _sendLimit = sendLimit;
        _capacity = capacity;
        queue = new Queue<(byte[], int)>(capacity);
        _packing = new byte[sendLimit];
    }

    /// <summary>Datagrams dropped because the queue was full, they were empty or too large, or the transport was closed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Datagrams of a future epoch that arrived before the peer's ChangeCipherSpec and were held for it.</summary>
    public long HeldForEpoch => Interlocked.Read(ref _held);

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return queue.Count;
            }
        }
    }

    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty || datagram.Length > ReceiveLimit)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        lock (_gate)
        {
            if (!_closed && queue.Count < _capacity)
            {
                if (!_peerChangedCipher)
                {
                    if (ContainsChangeCipherSpec(datagram))
                    {
                        _peerChangedCipher = true;
                        queue.Enqueue((buffer, datagram.Length));
                        while (heldForEpoch.Count > 0 && queue.Count < _capacity)
                        {
                            queue.Enqueue(heldForEpoch.Dequeue());
                        }

                        Interlocked.Add(ref _dropped, heldForEpoch.Count); // no room left behind the ChangeCipherSpec
                        ReturnAll(heldForEpoch);
                        Monitor.Pulse(_gate);
                        return true;
                    }

                    if (FirstRecordEpoch(datagram) > 0)
                    {
                        if (heldForEpoch.Count < MaxHeldForEpoch)
                        {
                            heldForEpoch.Enqueue((buffer, datagram.Length));
                            Interlocked.Increment(ref _held);
                            return true;
                        }

                        ArrayPool<byte>.Shared.Return(buffer);
                        Interlocked.Increment(ref _dropped);
                        return false;
                    }
                }

                queue.Enqueue((buffer, datagram.Length));
                Monitor.Pulse(_gate);
                return true;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        Interlocked.Increment(ref _dropped);
        return false;
    }

    public int GetReceiveLimit() => ReceiveLimit;

    public int GetSendLimit() => _sendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    /// <summary>Sends the packed records first (BouncyCastle waits for the peer only after a whole flight), then blocks up
    /// to <paramref name="waitMillis"/> for a datagram; -1 on timeout; throws once closed so a blocked handshake ends.</summary>
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        Flush();
        (byte[] Buffer, int Length) item;
        lock (_gate)
        {
            var deadline = Environment.TickCount64 + Math.Max(0, waitMillis);
            while (queue.Count == 0)
            {
                if (_closed)
                {
                    throw new DtlsTransportClosedException();
                }

                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return -1;
                }

                Monitor.Wait(_gate, (int)remaining);
            }

            item = queue.Dequeue();
        }

        var length = Math.Min(item.Length, buffer.Length);
        item.Buffer.AsSpan(0, length).CopyTo(buffer);
        ArrayPool<byte>.Shared.Return(item.Buffer);
        return length;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    /// <summary>Adds one record to the datagram being packed; a record that does not fit sends the packed ones first.</summary>
    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (Volatile.Read(ref _closed))
        {
            return;
        }

        lock (_sendGate)
        {
            if (_packed > 0 && _packed + buffer.Length > _packing.Length)
            {
                FlushLocked();
            }

            if (buffer.Length > _packing.Length)
            {
                SendDatagram(buffer); // never larger than GetSendLimit() from BouncyCastle; pass through unchanged if it is
                return;
            }

            buffer.CopyTo(_packing.AsSpan(_packed));
            _packed += buffer.Length;
        }
    }

    /// <summary>Sends the records packed so far as one datagram (after a flight that BouncyCastle does not follow with a
    /// read: the server's last flight, an alert, close_notify, a retransmission answered after the handshake).</summary>
    public void Flush()
    {
        lock (_sendGate)
        {
            FlushLocked();
        }
    }

    /// <summary>Wakes any blocked reader with <see cref="DtlsTransportClosedException"/> and returns queued buffers to the pool.</summary>
    public void Close()
    {
        Flush(); // e.g. close_notify written just before; sent outside the receive lock
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            Volatile.Write(ref _closed, true);
            ReturnAll(queue);
            ReturnAll(heldForEpoch);
            Monitor.PulseAll(_gate);
        }
    }

    private static void ReturnAll(Queue<(byte[] Buffer, int Length)> items)
    {
        while (items.Count > 0)
        {
            ArrayPool<byte>.Shared.Return(items.Dequeue().Buffer);
        }
    }

    /// <summary>Epoch of the datagram's first DTLS record (RFC 6347 §4.1: type, version, epoch, …); -1 if too short.</summary>
    private static int FirstRecordEpoch(ReadOnlySpan<byte> datagram) =>
        datagram.Length < RecordHeaderLength ? -1 : BinaryPrimitives.ReadUInt16BigEndian(datagram[3..]);

    private static bool ContainsChangeCipherSpec(ReadOnlySpan<byte> datagram)
    {
        while (datagram.Length >= RecordHeaderLength)
        {
            if (datagram[0] == ChangeCipherSpecType)
            {
                return true;
            }

            var next = RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(datagram[11..]);
            if (next > datagram.Length)
            {
                return false;
            }

            datagram = datagram[next..];
        }

        return false;
    }

    private void FlushLocked()
    {
        if (_packed == 0)
        {
            return;
        }

        var length = _packed;
        _packed = 0;
        if (!Volatile.Read(ref _closed))
        {
            SendDatagram(_packing.AsSpan(0, length));
        }
    }

    private void SendDatagram(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _send(datagram);
        }
        catch (SocketException)
        {
            // A transient ICMP error must not fail the handshake; the flight is retransmitted anyway.
            Interlocked.Increment(ref _sendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
    }
}

/// <summary>Thrown into BouncyCastle's read when the transport closes, so a blocked handshake stops at once.</summary>
internal sealed class DtlsTransportClosedException : IOException
{
    public DtlsTransportClosedException()
        : base("DTLS transport closed.")
    {
    }

    public DtlsTransportClosedException(string message)
        : base(message)
    {
    }

    public DtlsTransportClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
