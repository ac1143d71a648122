using System.Collections.Concurrent;
using System.Net;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// Two connected CallBot peers on an <see cref="InMemoryNetwork"/> (A = 10.0.0.1 offers, B = 10.0.0.2 answers) with a tap
/// on every datagram A sends to B, and an attacker host (10.0.0.66) that can inject datagrams at B.
/// </summary>
internal sealed class InMemoryPeers : IAsyncDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("10.0.0.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("10.0.0.2");
    public static readonly IPAddress AttackerAddress = IPAddress.Parse("10.0.0.66");

    private readonly IDatagramSocket _attacker;
    private int _frameIndex;

    private InMemoryPeers(InMemoryNetwork network, IReadOnlyList<string>? stagesOfA, IReadOnlyList<string>? stagesOfB, CallBot.Rtc.Bwe.TransportCcOptions? transportCc)
    {
        Network = network;
        network.DropWhen = (from, to, data) =>
        {
            if (from.Address.Equals(AddressA) && to.Address.Equals(AddressB))
            {
                var copy = data.ToArray();
                Tapped.Enqueue(copy);
                return DropAtoB?.Invoke(copy) ?? false;
            }

            if (from.Address.Equals(AddressB) && to.Address.Equals(AddressA) && DropBtoA is { } dropBtoA)
            {
                return dropBtoA(data.ToArray());
            }

            return false;
        };
        A = Create(network.AddHost(AddressA), stagesOfA, transportCc);
        B = Create(network.AddHost(AddressB), stagesOfB, transportCc);
        _attacker = network.AddHost(AttackerAddress).Bind(new IPEndPoint(AttackerAddress, 0));
    }

    public InMemoryNetwork Network { get; }

    public RtcPeerConnection A { get; }

    public RtcPeerConnection B { get; }

    public RtpTransceiver VideoA { get; private set; } = null!;

    public RtpTransceiver VideoB { get; private set; } = null!;

    public FrameCollector ReceivedByB { get; } = new();

    /// <summary>Return true to lose a datagram A sends to B (called on the sending thread).</summary>
    public Func<byte[], bool>? DropAtoB { get; set; }

    /// <summary>Return true to lose a datagram B sends to A (called on the sending thread).</summary>
    public Func<byte[], bool>? DropBtoA { get; set; }

    /// <summary>Every datagram A sent to B, in order.</summary>
    public ConcurrentQueue<byte[]> Tapped { get; } = new();

    /// <param name="mungeAnswer">Edits B's answer before A applies it.</param>
    /// <param name="stagesOfB">B's <see cref="PeerConnectionOptions.Interceptors"/> (null = the default stages).</param>
    /// <param name="stagesOfA">A's <see cref="PeerConnectionOptions.Interceptors"/> (null = the default stages).</param>
    public static async Task<InMemoryPeers> ConnectAsync(
        Func<string, string>? mungeAnswer = null, IReadOnlyList<string>? stagesOfB = null, IReadOnlyList<string>? stagesOfA = null,
        CallBot.Rtc.Bwe.TransportCcOptions? transportCc = null)
    {
        var peers = new InMemoryPeers(new InMemoryNetwork(), stagesOfA, stagesOfB, transportCc);
        peers.VideoA = peers.A.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        peers.VideoB = peers.B.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        peers.VideoB.RemoteFrameSink = peers.ReceivedByB;
        PeerHarness.Trickle(peers.A, peers.B);
        PeerHarness.Trickle(peers.B, peers.A);
        var a = PeerHarness.WaitForStateAsync(peers.A, PeerConnectionState.Connected);
        var b = PeerHarness.WaitForStateAsync(peers.B, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(peers.A, peers.B, mungeAnswer: mungeAnswer);
        await a;
        await b;
        return peers;
    }

    /// <summary>
    /// Sends one more VP8 keyframe-sized synthetic frame A → B and waits until B assembled it. B's socket is FIFO, so every
    /// datagram injected before this call has been processed when it returns.
    /// </summary>
    public async Task<byte[]> SendFrameAndWaitAsync()
    {
        var index = _frameIndex++;
        var frame = SyntheticVp8KeyFrame(index, 3000);
        var before = ReceivedByB.Count;
        VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, index * 3000L, 3000, true));
        await ReceivedByB.WaitForAsync(before + 1, PeerHarness.Timeout);
        return frame;
    }

    /// <summary>Sends from the attacker's own address (10.0.0.66): an off-path host that knows B's port.</summary>
    public void Inject(ReadOnlySpan<byte> datagram) =>
        _attacker.TrySendTo(datagram, new IPEndPoint(AddressB, B.IceAgent!.SelectedPair!.LocalEndPoint.Port).Serialize());

    /// <summary>Sends from A's own socket on the selected pair: what an on-path attacker (or one spoofing A's address) delivers.</summary>
    public void InjectAsA(ReadOnlySpan<byte> datagram) => Assert.True(A.IceAgent!.Send(datagram));

    public IceCredentials LocalCredentialsOfB => B.IceAgent!.LocalCredentials;

    public async ValueTask DisposeAsync()
    {
        _attacker.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    /// <summary>A VP8 keyframe tag (P = 0, start code, 320x240) followed by numbered filler, so frames are distinguishable.</summary>
    public static byte[] SyntheticVp8KeyFrame(int index, int size)
    {
        var frame = new byte[size];
        frame[0] = 0x10;
        frame[3] = 0x9d;
        frame[4] = 0x01;
        frame[5] = 0x2a;
        frame[6] = 320 & 0xFF;
        frame[7] = 320 >> 8;
        frame[8] = 240;
        for (var i = 10; i < size; i++)
        {
            frame[i] = (byte)(index + i);
        }

        return frame;
    }

    private static RtcPeerConnection Create(IDatagramSocketFactory sockets, IReadOnlyList<string>? stages, CallBot.Rtc.Bwe.TransportCcOptions? transportCc) => new(
        new PeerConnectionOptions
        {
            TransportCc = transportCc ?? new CallBot.Rtc.Bwe.TransportCcOptions(),
            Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true },
            SocketFactory = sockets,
            Interceptors = stages ?? CallBot.Rtc.Interceptors.InterceptorRegistry.DefaultNames,
        },
        PeerHarness.Certificate, TimeProvider.System, NullLoggerFactory.Instance);
}
