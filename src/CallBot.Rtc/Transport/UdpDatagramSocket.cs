using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallBot.Rtc.Transport;

/// <summary>
/// A real UDP socket. IPv6 sockets are IPv6-only: each family gets its own socket (see README). On Linux, batches go
/// through <c>sendmmsg</c>/<c>recvmmsg</c> (one system call for many datagrams); where those are missing (another OS,
/// a 32-bit process, a seccomp filter answering ENOSYS) the socket falls back for good to one call a datagram.
/// </summary>
public sealed class UdpDatagramSocket : IDatagramSocket
{
    /// <summary>Large enough for any UDP payload we accept; avoids truncation of jumbo test datagrams.</summary>
    private const int SocketBufferBytes = 1 << 20;

    private readonly Socket _socket;

    // Cleared (for good) the first time the kernel or libc says the batch calls do not exist.
    private volatile bool _multiMessage;

    public UdpDatagramSocket(IPEndPoint localEndPoint)
        : this(localEndPoint, LinuxMultiMessage.IsAvailable)
    {
    }

    /// <summary>Binds; <paramref name="multiMessage"/> false forces the one-call-a-datagram path (tests of the fallback).</summary>
    internal UdpDatagramSocket(IPEndPoint localEndPoint, bool multiMessage)
    {
        _multiMessage = multiMessage && LinuxMultiMessage.IsAvailable;
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _socket.DualMode = false;
            }

            _socket.ReceiveBufferSize = SocketBufferBytes;
            _socket.SendBufferSize = SocketBufferBytes;
            _socket.Bind(localEndPoint);
            LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    public AddressFamily AddressFamily => LocalEndPoint.AddressFamily;

    public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) =>
        _socket.ReceiveFromAsync(buffer, SocketFlags.None, remote, cancellationToken);

    public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        try
        {
            return _socket.SendTo(datagram, SocketFlags.None, remote) == datagram.Length;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>True while batches use <c>sendmmsg</c>/<c>recvmmsg</c>.</summary>
    public bool CanReceiveQueued => _multiMessage;

    public int SendBatch(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!_multiMessage)
        {
            return SendOneByOne(batch, 0);
        }

        batch.PrepareSend();
        var next = 0;
        var sent = 0;
        try
        {
            while (next < batch.Count)
            {
                var result = LinuxMultiMessage.SendMultiple(_socket.SafeHandle, ref batch.Headers[next], (uint)(batch.Count - next), 0);
                if (result > 0)
                {
                    next += result;
                    sent += result;
                    continue;
                }

                var error = Marshal.GetLastPInvokeError();
                if (error == LinuxMultiMessage.ErrorNoSystemCall)
                {
                    _multiMessage = false;
                    return sent + SendOneByOne(batch, next);
                }

                // The datagram at `next` failed (as TrySendTo returns false): skip it, send the rest.
                if (error != LinuxMultiMessage.ErrorInterrupted)
                {
                    next++;
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (EntryPointNotFoundException)
        {
            _multiMessage = false;
            return sent + SendOneByOne(batch, next);
        }

        return sent;
    }

    public int ReceiveQueued(DatagramBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        if (!_multiMessage)
        {
            return 0;
        }

        batch.PrepareReceive();
        int result;
        try
        {
            result = LinuxMultiMessage.ReceiveMultiple(_socket.SafeHandle, ref batch.Headers[0], (uint)batch.Capacity, LinuxMultiMessage.MsgDontWait, 0);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        catch (EntryPointNotFoundException)
        {
            _multiMessage = false;
            return 0;
        }

        if (result < 0)
        {
            // EAGAIN: nothing queued. Any other error is left to the next ReceiveFromAsync, which reports it.
            if (Marshal.GetLastPInvokeError() == LinuxMultiMessage.ErrorNoSystemCall)
            {
                _multiMessage = false;
            }

            return 0;
        }

        batch.CompleteReceive(result);
        return result;
    }

    public void Dispose() => _socket.Dispose();

    private int SendOneByOne(DatagramBatch batch, int from)
    {
        var sent = 0;
        for (var i = from; i < batch.Count; i++)
        {
            if (TrySendTo(batch.Datagram(i), batch.RemoteOf(i, AddressFamily)))
            {
                sent++;
            }
        }

        return sent;
    }
}
