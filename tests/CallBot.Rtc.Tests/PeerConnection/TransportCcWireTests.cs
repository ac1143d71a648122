using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
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
        var estimates = new ConcurrentBag<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "CallBot" && instrument.Name == "callbot.rtc.bwe.estimate")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => estimates.Add(value));
        listener.Start();

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
        Assert.Contains(estimates, e => e is >= 1_000_000 and <= 2_000_000);
        var sequences = TransportSequences(peers, id: 3);
        Assert.True(sequences.Count >= 3);
        for (var i = 1; i < sequences.Count; i++)
        {
            Assert.Equal((ushort)(sequences[i - 1] + 1), sequences[i]);
        }
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
        Assert.Equal(0, peers.A.GetStats().Outbound.Single().TargetBitrateKbps);
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
        var network = new InMemoryNetwork();
        var uplink = new LinkImpairment { BandwidthKbps = CapKbps, BurstBytes = 6_000, MaxQueueDelay = TimeSpan.FromSeconds(1), Delay = TimeSpan.FromMilliseconds(25) };
        var sockets = new ImpairedSocketFactory(network.AddHost(InMemoryPeers.AddressA), new ImpairmentProfile(uplink, LinkImpairment.None));
        await using var a = Create(sockets);
        await using var b = Create(network.AddHost(InMemoryPeers.AddressB));
        var video = a.AddTransceiver(MediaKind.Video, TransceiverDirection.SendOnly);
        b.AddTransceiver(MediaKind.Video, TransceiverDirection.RecvOnly);
        PeerHarness.Trickle(a, b);
        PeerHarness.Trickle(b, a);
        var connected = PeerHarness.WaitForStateAsync(a, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(a, b);
        await connected;

        // 30 fps media clock: each frame is the target bitrate's share (1,500 kbit/s, the start estimate, until feedback).
        using var clock = new PeriodicTimer(TimeSpan.FromMilliseconds(33));
        var started = Stopwatch.GetTimestamp();
        long bytesAt5s = -1;
        var frameIndex = 0;
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(9) && await clock.WaitForNextTickAsync(TestContext.Current.CancellationToken))
        {
            var targetKbps = video.TargetBitrateKbps > 0 ? video.TargetBitrateKbps : 1_500;
            var frame = InMemoryPeers.SyntheticVp8KeyFrame(frameIndex, Math.Max(200, targetKbps * 1000 / 8 / 30));
            video.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, frameIndex * 3000L, 3000, true));
            frameIndex++;
            if (bytesAt5s < 0 && Stopwatch.GetElapsedTime(started) >= TimeSpan.FromSeconds(5))
            {
                bytesAt5s = a.GetStats().Outbound.Single().BytesSent;
            }
        }

        var lastKbps = (a.GetStats().Outbound.Single().BytesSent - bytesAt5s) * 8 / 1000.0 / (Stopwatch.GetElapsedTime(started).TotalSeconds - 5);
        output.WriteLine($"target {video.TargetBitrateKbps} kbit/s, sent {lastKbps:0} kbit/s over the last 4 s, cap {CapKbps}");
        Assert.InRange(video.TargetBitrateKbps, 50, CapKbps);
        Assert.InRange(lastKbps, 50, CapKbps * 1.1);
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
