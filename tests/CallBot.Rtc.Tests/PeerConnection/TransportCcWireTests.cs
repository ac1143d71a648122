using System.Buffers.Binary;
using System.Diagnostics;
using CallBot.Abstractions;
using CallBot.Abstractions.Telemetry;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>The transport-cc stage between two connections: the extension on the wire, feedback back, the estimate as the sender's target.</summary>
public sealed class TransportCcWireTests
{
    /// <summary>The default stages, which include transport-cc (named here so the tests say what they rely on).</summary>
    internal static readonly string[] WithTransportCc = [.. InterceptorRegistry.DefaultNames.Union([InterceptorRegistry.TransportCc])];

    [Fact]
    public async Task Every_sent_packet_carries_the_next_transport_sequence_number_and_the_feedback_sets_the_target_bitrate()
    {
        // The estimate is also an OpenTelemetry histogram (process-wide meter: other tests' connections record too).
        using var estimates = new MetricCollector<long>(meterScope: null, CallBotMeter.Name, "callbot.rtc.bwe.estimate");

        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: WithTransportCc, stagesOfA: WithTransportCc);
        Assert.Contains("transport-wide-cc-extensions-01", peers.B.LocalDescription, StringComparison.Ordinal);
        Assert.Equal(0, peers.A.GetStats().Outbound.Single().TargetBitrateKbps);

        // Frames until B's feedback reached A's estimator (each call waits for B to assemble the frame; feedback goes every 60 ms).
        await Poll.UntilAsync(
            async _ =>
            {
                var kbps = peers.A.GetStats().Outbound.Single().TargetBitrateKbps;
                if (kbps == 0)
                {
                    await peers.SendFrameAndWaitAsync();
                }

                return kbps;
            },
            kbps => kbps > 0, PeerHarness.Timeout, _ => "B's transport-cc feedback never reached A's estimator", TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken);

        // The default start estimate, less nothing for audio (A sends video only).
        Assert.InRange(peers.A.GetStats().Outbound.Single().TargetBitrateKbps, 1_000, 2_000);
        Assert.Contains(estimates.GetMeasurementSnapshot(), m => m.Value is >= 1_000_000 and <= 2_000_000);
        // One counter for every packet: no number twice, none skipped (the first feedback starts probes, whose packets leave
        // from the prober's timer and may reach the wire interleaved with the producer's, so sorted, not in tap order).
        var sequences = TransportSequences(peers, id: 3);
        Assert.True(sequences.Count >= 3);
        var sorted = sequences.Select(s => (int)s).Order().ToList();
        Assert.True(sorted[^1] - sorted[0] < 30_000, "no wrap in this short run");
        Assert.Equal(Enumerable.Range(sorted[0], sorted.Count), sorted);
    }

    [Fact]
    public async Task The_first_feedback_starts_probes_sent_as_rtx_resends_with_transport_sequence_numbers_and_their_result_raises_the_estimate()
    {
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: WithTransportCc, stagesOfA: WithTransportCc, transportCc: new CallBot.Rtc.Bwe.TransportCcOptions { Probing = true });
        var stage = peers.A.Interceptors.Stages.OfType<TransportCcInterceptor>().Single();

        // Frames until the probes' feedback came back (each call waits for B to assemble the frame).
        var deadline = DateTime.UtcNow + PeerHarness.Timeout;
        while (stage.Estimator.ProbesApplied == 0 && DateTime.UtcNow < deadline)
        {
            await peers.SendFrameAndWaitAsync();
        }

        // 3 × and 6 × the 1.5 Mbit/s start (the second capped at 5 Mbit/s) through an unlimited in-memory link.
        Assert.True(stage.Prober.ClustersSent >= 1);
        Assert.True(stage.Estimator.ProbesApplied >= 1);
        Assert.True(stage.Estimator.EstimateBitsPerSecond > 3_000_000, $"{stage.Estimator.EstimateBitsPerSecond}");

        // On the wire: RTX packets of A's video (payload padding), each with the connection's next transport sequence number.
        var rtxSsrc = peers.VideoA.SendStream.RtxSsrc;
        var rtx = peers.Tapped.Count(d => d.Length >= RtpHeader.FixedSize && d[1] is < 192 or > 223
            && RtpHeader.TryParse(d, out var h, out _, out _) && h.Ssrc == rtxSsrc && h.TryGetExtension(d, 3, out _));
        Assert.True(rtx >= 1, "padding on the wire"); // the media sent during a cluster counts toward it: padding fills the rest
        var sequences = TransportSequences(peers, id: 3); // the prober's timer and the producer send concurrently: unique, not in order
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task Without_the_stage_on_the_answerer_the_extension_is_not_negotiated_nor_sent()
    {
        string[] stages = [.. InterceptorRegistry.Names.Where(n => n != InterceptorRegistry.TransportCc)];
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: stages, stagesOfA: WithTransportCc);
        Assert.DoesNotContain("transport-wide-cc-extensions-01", peers.B.LocalDescription, StringComparison.Ordinal);
        Assert.DoesNotContain("transport-cc", peers.B.LocalDescription, StringComparison.Ordinal);

        await peers.SendFrameAndWaitAsync();

        Assert.Empty(TransportSequences(peers, id: 3));
        // No feedback reached A's estimator. (A's target may still be set: B's REMB, once its interval comes, sets it, and
        // a loaded machine lets that happen before this line, so the target is not what tells the two apart.)
        Assert.Equal(0, peers.A.Interceptors.Stages.OfType<TransportCcInterceptor>().Single().FeedbackReceived);
    }

    private static List<ushort> TransportSequences(InMemoryPeers peers, int id)
    {
        var sequences = new List<ushort>();
        foreach (var datagram in peers.Tapped)
        {
            // SRTP leaves the header and its extensions in the clear.
            if (datagram.Length < RtpHeader.FixedSize || datagram[0] >> 6 != 2 || datagram[1] is >= 192 and <= 223)
            {
                continue;
            }

            if (RtpHeader.TryParse(datagram, out var header, out _, out _) && header.TryGetExtension(datagram, id, out var value))
            {
                sequences.Add(BinaryPrimitives.ReadUInt16BigEndian(value));
            }
        }

        return sequences;
    }
}

/// <summary>
/// A sender that sizes its frames from <see cref="RtpTransceiver.TargetBitrateKbps"/> (as the renditions ladder does)
/// through an uplink capped by <see cref="LinkImpairment.BandwidthKbps"/>: the transport-cc estimate brings the send rate
/// under the cap. Real time is the subject (queuing delay on a real token bucket), so it runs in the alone phase.
/// </summary>
[Trait("Category", CallBot.Rtc.Tests.MediaPlane.MediaPlaneChromiumCollection.RunsAlone)]
public sealed class TransportCcCappedLinkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_send_rate_follows_a_bandwidth_cap_on_the_path()
    {
        const int CapKbps = 500;
        var uplink = Capped(CapKbps) with { BurstBytes = 6_000 };
        await using var call = await CappedCall.StartAsync(new ImpairmentControl(new ImpairmentProfile(uplink, LinkImpairment.None)));

        // 30 fps media clock: each frame is the target bitrate's share (1,500 kbit/s, the start estimate, until feedback).
        await call.SendAsync(TimeSpan.FromSeconds(5));
        var bytesAt5s = call.A.GetStats().Outbound.Single().BytesSent;
        var started = Stopwatch.GetTimestamp();
        await call.SendAsync(TimeSpan.FromSeconds(4));

        var lastKbps = (call.A.GetStats().Outbound.Single().BytesSent - bytesAt5s) * 8 / 1000.0 / Stopwatch.GetElapsedTime(started).TotalSeconds;
        output.WriteLine($"target {call.Video.TargetBitrateKbps} kbit/s, sent {lastKbps:0} kbit/s over the last 4 s, cap {CapKbps}");
        Assert.InRange(call.Video.TargetBitrateKbps, 50, CapKbps);
        Assert.InRange(lastKbps, 50, CapKbps * 1.1);
    }

    /// <summary>A direction capped at <paramref name="kbps"/>: 25 ms one way, a 1 s queue, a shallow bucket (a deep one would let a probe pass at line rate).</summary>
    private static LinkImpairment Capped(int kbps) => new()
    {
        BandwidthKbps = kbps, BurstBytes = 3_000, MaxQueueDelay = TimeSpan.FromSeconds(1), Delay = TimeSpan.FromMilliseconds(25),
    };

    /// <summary>A sends video to B through an impaired uplink; frames are sized from the target bitrate, as the renditions ladder would.</summary>
    private sealed class CappedCall : IAsyncDisposable
    {
        private int _frameIndex;

        private CappedCall(RtcPeerConnection a, RtcPeerConnection b, RtpTransceiver video)
        {
            A = a;
            B = b;
            Video = video;
        }

        public RtcPeerConnection A { get; }

        public RtcPeerConnection B { get; }

        public RtpTransceiver Video { get; }

        public static async Task<CappedCall> StartAsync(ImpairmentControl control)
        {
            var network = new InMemoryNetwork();
            var a = Create(new ImpairedSocketFactory(network.AddHost(InMemoryPeers.AddressA), control));
            var b = Create(network.AddHost(InMemoryPeers.AddressB));
            var call = new CappedCall(a, b, a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendOnly));
            b.AddTransceiver(MediaKind.Video, TransceiverDirection.RecvOnly);
            PeerHarness.Trickle(a, b);
            PeerHarness.Trickle(b, a);
            var connected = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
            await PeerHarness.NegotiateAsync(a, b);
            await connected;
            return call;
        }

        /// <summary>Sends 30 fps for <paramref name="duration"/>, or until <paramref name="until"/> holds (true then).</summary>
        public async Task<bool> SendAsync(TimeSpan duration, Func<bool>? until = null)
        {
            using var clock = new PeriodicTimer(TimeSpan.FromMilliseconds(33));
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < duration && await clock.WaitForNextTickAsync(TestContext.Current.CancellationToken))
            {
                if (until?.Invoke() == true)
                {
                    return true;
                }

                var targetKbps = Video.TargetBitrateKbps > 0 ? Video.TargetBitrateKbps : 1_500;
                var frame = InMemoryPeers.SyntheticVp8KeyFrame(_frameIndex, Math.Max(200, targetKbps * 1000 / 8 / 30));
                Video.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, _frameIndex * 3000L, 3000, true));
                _frameIndex++;
            }

            return until?.Invoke() == true;
        }

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    private static RtcPeerConnection Create(IDatagramSocketFactory sockets) => new(
        new PeerConnectionOptions
        {
            Ice = new IceOptions { IncludeIPv6 = false, AllowPrivateRemoteCandidates = true },
            SocketFactory = sockets,
            Interceptors = TransportCcWireTests.WithTransportCc,
        },
        PeerHarness.Certificate, TimeProvider.System, NullLoggerFactory.Instance);
}
