using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Transport;

namespace CallBot.Benchmarks.Load;

/// <summary>
/// Cost per datagram of CallBot's own network impairment (the load tool's netem): the decision alone, and a send through
/// an impaired socket whose uplink loses 2% (the pass-through path: no copy, no queue).
/// <c>dotnet run -c Release --project bench/CallBot.Benchmarks -- --filter '*Impairment*'</c>
/// </summary>
[MemoryDiagnoser]
public class ImpairmentBenchmarks
{
    private readonly byte[] _datagram = new byte[1200];
    private readonly SocketAddress _peer = new IPEndPoint(IPAddress.Loopback, 5000).Serialize();
    private LinkImpairer _impairer = null!;
    private ImpairedDatagramSocket _socket = null!;
    private ImpairmentScheduler _scheduler = null!;
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var link = new LinkImpairment { LossRate = 0.02, Jitter = TimeSpan.FromMilliseconds(5), ReorderRate = 0.01, BandwidthKbps = 10_000_000 };
        _impairer = new LinkImpairer(link, 1, 0, TimeSpan.TicksPerSecond);
        _scheduler = new ImpairmentScheduler(TimeProvider.System);
        _socket = new ImpairedDatagramSocket(new NullSocket(), new ImpairmentProfile(new LinkImpairment { LossRate = 0.02 }, LinkImpairment.None), _scheduler, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _socket.Dispose();
        _scheduler.Dispose();
    }

    [Benchmark]
    public ImpairmentVerdict Decide()
    {
        _now += TimeSpan.TicksPerMillisecond;
        return _impairer.Decide(_now, _datagram.Length, out _, out _);
    }

    [Benchmark]
    public bool SendThroughImpairedSocket() => _socket.TrySendTo(_datagram, _peer);

    private sealed class NullSocket : IDatagramSocket
    {
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 4000);

        public AddressFamily AddressFamily => AddressFamily.InterNetwork;

        public ValueTask<int> ReceiveFromAsync(Memory<byte> buffer, SocketAddress remote, CancellationToken cancellationToken) => ValueTask.FromResult(0);

        public bool TrySendTo(ReadOnlySpan<byte> datagram, SocketAddress remote) => true;

        public void Dispose()
        {
        }
    }
}
