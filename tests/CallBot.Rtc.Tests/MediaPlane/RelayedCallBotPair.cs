using CallBot.Abstractions;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.TestSupport.Network;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Two CallBot peers on real UDP loopback with every datagram through a <see cref="UdpImpairmentRelay"/>: A (offerer) is
/// the relay's side A, B its side B, and each learns only the relay's port as the other's candidate. A sends video, B
/// counts what it assembles.
/// </summary>
internal sealed class RelayedCallBotPair : IAsyncDisposable
{
    private RelayedCallBotPair(RtcPeerConnection a, RtcPeerConnection b, UdpImpairmentRelay relay)
    {
        A = a;
        B = b;
        Relay = relay;
    }

    public RtcPeerConnection A { get; }

    public RtcPeerConnection B { get; }

    public UdpImpairmentRelay Relay { get; }

    public RtpTransceiver VideoA { get; private set; } = null!;

    public RtpTransceiver VideoB { get; private set; } = null!;

    public FrameCounter ReceivedByB { get; } = new();

    /// <param name="stages">The media stages of both bots; null = the default ones.</param>
    public static async Task<RelayedCallBotPair> ConnectAsync(
        TimeSpan maxGapWait, Func<string, string>? mungeOffer = null, IReadOnlyList<string>? stages = null)
    {
        var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Seed = 7 }, TimeProvider.System);
        var a = PeerHarness.Create(Options(maxGapWait, stages));
        var b = PeerHarness.Create(Options(maxGapWait, stages));
        var pair = new RelayedCallBotPair(a, b, relay);
        pair.VideoA = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        pair.VideoB = b.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        pair.VideoB.RemoteFrameSink = pair.ReceivedByB;
        var connectedA = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
        var connectedB = PeerHarness.WaitForStateAsync(b, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b, mungeOffer);
        a.AddRemoteCandidate(RelayCandidate(relay.EndpointA.Port), "0", 0);
        b.AddRemoteCandidate(RelayCandidate(relay.EndpointB.Port), "0", 0);
        await connectedA;
        await connectedB;
        return pair;
    }

    /// <summary>Loss and one-way delay in both directions (RTT = 2 × delay).</summary>
    public void Impair(double lossRate, TimeSpan oneWayDelay)
    {
        foreach (var direction in new[] { Relay.AToB, Relay.BToA })
        {
            direction.LossRate = lossRate;
            direction.Delay = oneWayDelay;
        }
    }

    public InboundRtpStreamStats InboundVideoAtB() => B.GetStats().Inbound.Single(s => s.Kind == MediaKind.Video);

    public OutboundRtpStreamStats OutboundVideoAtA() => A.GetStats().Outbound.Single(s => s.Kind == MediaKind.Video);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Relay.DisposeAsync();
    }

    private static PeerConnectionOptions Options(TimeSpan maxGapWait, IReadOnlyList<string>? stages)
    {
        var loopback = PeerHarness.LoopbackOptions();
        return new PeerConnectionOptions
        {
            Interceptors = stages ?? loopback.Interceptors,
            Ice = loopback.Ice,
            HostAddressFilter = loopback.HostAddressFilter,
            SrtpProfiles = loopback.SrtpProfiles,
            DtlsHandshakeTimeout = loopback.DtlsHandshakeTimeout,
            VideoCodecs = [CodecId.Vp8],
            MaxGapWait = maxGapWait,
        };
    }

    private static string RelayCandidate(int port) => $"candidate:1 1 udp 2130706431 127.0.0.1 {port} typ host";
}
