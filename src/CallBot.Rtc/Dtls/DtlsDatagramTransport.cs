using System.Buffers;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace CallBot.Rtc.Dtls;

/// <summary>
/// Adapts the push-style UDP receive loop to BouncyCastle's blocking <see cref="DatagramTransport"/>.
/// <see cref="Enqueue"/> copies a datagram into a pooled buffer on a bounded queue (never blocks the receive
/// loop); <see cref="Receive(Span{byte}, int)"/> blocks the DTLS thread until one is there or the wait ends.
/// Sends go straight to the caller's delegate, which must be safe to call from any thread.
/// </summary>
internal sealed class DtlsDatagramTransport : DatagramTransport
{
    // DTLS records never exceed an Ethernet MTU from browsers; anything larger is not ours to parse.
    public const int ReceiveLimit = 1500;

    private readonly Action<ReadOnlySpan<byte>> send;
    private readonly int sendLimit;
    private readonly int capacity;
    private readonly Queue<(byte[] Buffer, int Length)> queue;
    private readonly object gate = new(); // a Monitor, not System.Threading.Lock: Receive needs Monitor.Wait
    private bool closed;
    private long dropped;
    private long sendErrors;

    public DtlsDatagramTransport(Action<ReadOnlySpan<byte>> send, int sendLimit, int capacity)
    {
        this.send = send;
        this.sendLimit = sendLimit;
        this.capacity = capacity;
        queue = new Queue<(byte[], int)>(capacity);
    }

    /// <summary>Datagrams dropped because the queue was full, they were empty or too large, or the transport was closed.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    public long SendErrors => Interlocked.Read(ref sendErrors);

    public int Pending
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty || datagram.Length > ReceiveLimit)
        {
            Interlocked.Increment(ref dropped);
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        lock (gate)
        {
            if (!closed && queue.Count < capacity)
            {
                queue.Enqueue((buffer, datagram.Length));
                Monitor.Pulse(gate);
                return true;
            }
        }

        ArrayPool<byte>.Shared.Return(buffer);
        Interlocked.Increment(ref dropped);
        return false;
    }

    public int GetReceiveLimit() => ReceiveLimit;

    public int GetSendLimit() => sendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    /// <summary>Blocks up to <paramref name="waitMillis"/> for a datagram; -1 on timeout; throws once closed so a blocked handshake ends.</summary>
    public int Receive(Span<byte> buffer, int waitMillis)
    {
        (byte[] Buffer, int Length) item;
        lock (gate)
        {
            var deadline = Environment.TickCount64 + Math.Max(0, waitMillis);
            while (queue.Count == 0)
            {
                if (closed)
                {
                    throw new DtlsTransportClosedException();
                }

                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    return -1;
                }

                Monitor.Wait(gate, (int)remaining);
            }

            item = queue.Dequeue();
        }

        var length = Math.Min(item.Length, buffer.Length);
        item.Buffer.AsSpan(0, length).CopyTo(buffer);
        ArrayPool<byte>.Shared.Return(item.Buffer);
        return length;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (Volatile.Read(ref closed))
        {
            return;
        }

        try
        {
            send(buffer);
        }
        catch (SocketException)
        {
            // A transient ICMP error must not fail the handshake; the flight is retransmitted anyway.
            Interlocked.Increment(ref sendErrors);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref sendErrors);
        }
    }

    /// <summary>Wakes any blocked reader with <see cref="DtlsTransportClosedException"/> and returns queued buffers to the pool.</summary>
    public void Close()
    {
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            closed = true;
            while (queue.Count > 0)
            {
                ArrayPool<byte>.Shared.Return(queue.Dequeue().Buffer);
            }

            Monitor.PulseAll(gate);
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
