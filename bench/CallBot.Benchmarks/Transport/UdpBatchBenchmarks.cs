using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Transport;

namespace CallBot.Benchmarks.Transport;

/// <summary>
/// One video frame's worth of datagrams (11 × 1200 B) sent and received over loopback: one system call a datagram
/// each way (<c>sendto</c> ×11, <c>recvfrom</c> ×11) next to one <c>sendmmsg</c> and one <c>recvmmsg</c>.
/// Loopback delivers within the send call, so the receiver finds the whole frame queued.
/// </summary>
[MemoryDiagnoser]
public class UdpBatchBenchmarks
{
    private const int FrameDatagrams = 11;
    private const int DatagramLength = 1200;

    private readonly byte[] _buffer = new byte[DatagramTransport.ReceiveBufferSize];
    private UdpDatagramSocket _batchedSender = null!;
    private UdpDatagramSocket _singleSender = null!;
    private UdpDatagramSocket _batchedReceiver = null!;
    private Socket _singleReceiver = null!;
    private DatagramBatch _frameToSingle = null!;
    private DatagramBatch _frameToBatched = null!;
    private DatagramBatch _received = null!;
    private SocketAddress _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        _batchedSender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0), multiMessage: true);
        _singleSender = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0), multiMessage: false);
        _batchedReceiver = new UdpDatagramSocket(new IPEndPoint(IPAddress.Loopback, 0), multiMessage: true);
        _singleReceiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _singleReceiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _source = new SocketAddress(AddressFamily.InterNetwork);
        _received = new DatagramBatch(16, DatagramTransport.ReceiveBufferSize);
        _frameToSingle = Frame(((IPEndPoint)_singleReceiver.LocalEndPoint!).Serialize());
        _frameToBatched = Frame(_batchedReceiver.LocalEndPoint.Serialize());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batchedSender.Dispose();
        _singleSender.Dispose();
        _batchedReceiver.Dispose();
        _singleReceiver.Dispose();
    }

    [Benchmark(Baseline = true, Description = "sendto+recvfrom x11")]
    public int OneCallADatagram()
    {
        _singleSender.SendBatch(_frameToSingle);
        var bytes = 0;
        for (var i = 0; i < FrameDatagrams; i++)
        {
            bytes += _singleReceiver.ReceiveFrom(_buffer, SocketFlags.None, _source);
        }

        return bytes;
    }

    [Benchmark(Description = "sendmmsg+recvmmsg")]
    public int Batched()
    {
        _batchedSender.SendBatch(_frameToBatched);
        var datagrams = 0;
        while (datagrams < FrameDatagrams)
        {
            datagrams += _batchedReceiver.ReceiveQueued(_received);
        }

        return datagrams;
    }

    private static DatagramBatch Frame(SocketAddress target)
    {
        var frame = new DatagramBatch(FrameDatagrams, DatagramTransport.ReceiveBufferSize);
        var payload = new byte[DatagramLength];
        for (var i = 0; i < FrameDatagrams; i++)
        {
            payload[0] = (byte)i;
            frame.TryAdd(payload, target);
        }

        return frame;
    }
}
