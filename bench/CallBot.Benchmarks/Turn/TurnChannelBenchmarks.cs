using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using CallBot.Rtc.Turn;

namespace CallBot.Benchmarks.Turn;

/// <summary>
/// TURN per-datagram paths with a bound channel and no network: wrap a 1200-byte RTP-sized payload
/// in ChannelData, and unwrap one into the relay socket's queue and read it back. Both must report 0 B.
/// </summary>
[MemoryDiagnoser]
public class TurnChannelBenchmarks
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("198.51.100.7"), 5000);
    private readonly byte[] _payload = new byte[1200];
    private readonly byte[] _frame = new byte[ChannelData.HeaderSize + 1200];
    private readonly byte[] _buffer = new byte[2048];
    private readonly SocketAddress _source = new(AddressFamily.InterNetwork);
    private readonly SocketAddress _peer = Peer.Serialize();
    private TurnClient _client = null!;
    private TurnRelaySocket _relay = null!;

    [GlobalSetup]
    public void Setup()
    {
        _client = new TurnClient(new TurnClientOptions
        {
            Server = new TurnServerUrl("127.0.0.1", 3478, TurnTransportKind.Udp),
            Username = "u",
            Password = "p",
            ReleaseTimeout = TimeSpan.Zero,
        });
        _relay = _client.AttachForTests(
            new NullTurnTransport(reliable: false),
            new TurnAllocation(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 50000), null, TimeSpan.FromMinutes(10)));
        _client.BindLocallyForTests(Peer, ChannelData.MinChannel);
        ChannelData.WriteHeader(_frame, ChannelData.MinChannel, _payload.Length);
    }

    [GlobalCleanup]
    public void Cleanup() => _client.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark]
    public bool SendViaChannel() => _relay.TrySendTo(_payload, _peer);

    [Benchmark]
    public int ReceiveViaChannel()
    {
        _client.OnFrame(_frame);
        var pending = _relay.ReceiveFromAsync(_buffer, _source, CancellationToken.None);
        return pending.IsCompletedSuccessfully ? pending.Result : -1; // queued data completes synchronously
    }
}
