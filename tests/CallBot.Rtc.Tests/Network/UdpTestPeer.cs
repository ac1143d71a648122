using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Tests.Network;

/// <summary>A loopback (or given) UDP socket that records every datagram it receives, with its arrival time.</summary>
internal sealed class UdpTestPeer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(byte[] Data, long ArrivedAt, IPEndPoint From)> _received = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public UdpTestPeer(Socket? socket = null)
    {
        if (socket is null)
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        Socket = socket;
        _loop = Task.Run(LoopAsync);
    }

    public Socket Socket { get; }

    public IPEndPoint EndPoint => (IPEndPoint)Socket.LocalEndPoint!;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    public IReadOnlyList<(byte[] Data, long ArrivedAt, IPEndPoint From)> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>RTP sequence numbers of what arrived, in arrival order.</summary>
    public List<int> Sequences()
    {
        var result = new List<int>();
        foreach (var (data, _, _) in Received)
        {
            result.Add(BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(2)));
        }

        return result;
    }

    public void SendTo(IPEndPoint target, ReadOnlySpan<byte> datagram) => Socket.SendTo(datagram, SocketFlags.None, target);

    public async Task WaitForCountAsync(int count, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_received.Count >= count)
            {
                return;
            }

            _waiters.Add((count, done));
        }

        try
        {
            await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"peer got {Count} datagrams, expected {count} within {timeout.TotalSeconds:0.#} s", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Socket.Dispose();
        await _loop;
        _stop.Dispose();
    }

    /// <summary>An RTP-shaped datagram: V=2, payload type, marker, sequence number, SSRC 0x11223344, padded to <paramref name="size"/>.</summary>
    public static byte[] Rtp(int sequence, int payloadType = 96, bool marker = false, int size = 100, ReadOnlySpan<byte> payloadStart = default)
    {
        var packet = new byte[Math.Max(size, 12 + payloadStart.Length)];
        packet[0] = 0x80;                                              // V=2, P=0, X=0, CC=0
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);         // M, PT
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)sequence * 90);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0x11223344);
        payloadStart.CopyTo(packet.AsSpan(12));
        return packet;
    }

    private async Task LoopAsync()
    {
        var buffer = new byte[65_536];
        var from = new SocketAddress(Socket.AddressFamily);
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, from, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            long now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _received.Add((buffer[..n], now, (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from)));
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_received.Count >= _waiters[i].Count)
                    {
                        _waiters[i].Done.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
