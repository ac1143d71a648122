using System.Buffers.Binary;
using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Fec;

/// <summary>
/// The <c>fec</c> stage on the wire between two connections (<see cref="InMemoryPeers"/>, A sends video to B): what is
/// negotiated, what goes on the wire, and what it recovers under seeded random loss, against the same stages without it.
/// NACK is off on both sides so FEC alone makes the difference; the report stage tells A the loss B measures.
/// </summary>
public sealed class FecStageTests
{
    private const int Seed = 20_261_207;
    private const double Loss = 0.10;
    private const int Frames = 150;
    private const int FrameSize = 4000; // 4 packets: at 10 % loss one ULPFEC packet per frame (FecProtection)
    private static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(10);
    private static readonly string[] WithoutFec = [InterceptorRegistry.Report, InterceptorRegistry.Stats];
    private static readonly string[] WithFec = [.. WithoutFec, InterceptorRegistry.Fec];

    [Fact]
    public async Task Red_and_ulpfec_are_negotiated_only_with_the_stage_and_media_goes_out_as_red()
    {
        string[] withNack = [InterceptorRegistry.Nack, .. WithFec];
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: withNack, stagesOfA: withNack);
        await peers.SendFrameAndWaitAsync();

        var offer = peers.A.LocalDescription!;
        Assert.Contains("a=rtpmap:116 red/90000", offer, StringComparison.Ordinal);
        Assert.Contains("a=rtpmap:118 ulpfec/90000", offer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:117 apt=116", offer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:117 apt=116", peers.B.LocalDescription!, StringComparison.Ordinal);
        Assert.DoesNotContain("a=rtpmap:63 red/48000/2", offer, StringComparison.Ordinal); // no audio m-line here
        Assert.Contains("a=rtpmap:118 ulpfec/90000", peers.B.LocalDescription!, StringComparison.Ordinal);
        Assert.Contains(peers.Tapped, d => IsRtp(d) && (d[1] & 0x7F) == 116);
        Assert.DoesNotContain(peers.Tapped, d => IsRtp(d) && (d[1] & 0x7F) == 96);
        Assert.Equal(1, peers.ReceivedByB.Count);

        await using var plain = await InMemoryPeers.ConnectAsync(stagesOfB: WithoutFec, stagesOfA: WithFec);
        await plain.SendFrameAndWaitAsync();
        Assert.DoesNotContain("red/", plain.B.LocalDescription!, StringComparison.Ordinal);
        Assert.Contains(plain.Tapped, d => IsRtp(d) && (d[1] & 0x7F) == 96);
        Assert.DoesNotContain(plain.Tapped, d => IsRtp(d) && (d[1] & 0x7F) == 116);
    }

    [Fact]
    public async Task Under_ten_percent_random_loss_ulpfec_recovers_packets_and_more_frames_are_assembled_than_without()
    {
        var without = await RunAsync(WithoutFec);
        var with = await RunAsync(WithFec);
        TestContext.Current.TestOutputHelper?.WriteLine($"without: {without}");
        TestContext.Current.TestOutputHelper?.WriteLine($"with: {with}");

        Assert.Equal(0, without.Recovered);
        Assert.Equal(0, without.FecSent);
        Assert.True(with.FecSent > 0, $"FEC packets sent: {with.FecSent}");
        Assert.True(with.Recovered > 0, $"recovered: {with.Recovered}");
        Assert.True(
            with.Frames > without.Frames,
            $"frames assembled of {Frames}: {with.Frames} with the fec stage ({with.Recovered} packets recovered, {with.FecSent} FEC packets, " +
            $"{with.Dropped} of {with.Sent} RTP datagrams lost), {without.Frames} without ({without.Dropped} of {without.Sent} lost)");
        Assert.Equal(0, with.Discarded);
    }

    private static async Task<Outcome> RunAsync(string[] stages)
    {
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: stages, stagesOfA: stages);
        await peers.SendFrameAndWaitAsync();
        var random = new Random(Seed);
        var lossy = true;
        long sent = 0, dropped = 0;

        // Called on the sending thread: the test's (media, FEC); nothing else sends RTP A → B here (no NACK, no RTX).
        peers.DropAtoB = datagram =>
        {
            if (!lossy || !IsRtp(datagram))
            {
                return false;
            }

            sent++;
            var drop = random.NextDouble() < Loss;
            dropped += drop ? 1 : 0;
            return drop;
        };

        var ct = TestContext.Current.CancellationToken;
        using var clock = new PeriodicTimer(FrameInterval);
        var index = 1;

        // Until A has B's first report of the loss (FEC is sized from it; none is sent on a clean link).
        await Poll.UntilAsync(
            () =>
            {
                var lost = Video(peers.A).RemoteFractionLost;
                if (lost < 0.01)
                {
                    Send(peers, index++); // a frame per FrameInterval, as below
                }

                return lost;
            },
            lost => lost >= 0.01, PeerHarness.Timeout, lost => $"B's receiver report never reached A (fraction lost {lost})", FrameInterval, ct);

        var before = peers.ReceivedByB.Count;
        for (var i = 0; i < Frames; i++)
        {
            Send(peers, index++);
            await clock.WaitForNextTickAsync(ct);
        }

        // A last frame without loss: B's socket is FIFO, so when it is assembled every earlier datagram was read.
        lossy = false;
        var last = Send(peers, index);
        while (!peers.ReceivedByB.Frames[^1].Data.Span.SequenceEqual(last))
        {
            await peers.ReceivedByB.WaitForAsync(peers.ReceivedByB.Count + 1, PeerHarness.Timeout);
        }

        var inbound = peers.B.GetStats().Inbound.Single(s => s.Kind == MediaKind.Video);
        return new Outcome(
            peers.ReceivedByB.Count - before - 1, inbound.FecPacketsRecovered, inbound.FecPacketsDiscarded, Video(peers.A).FecPacketsSent, sent, dropped);
    }

    private static byte[] Send(InMemoryPeers peers, int index)
    {
        var frame = InMemoryPeers.SyntheticVp8KeyFrame(index, FrameSize);
        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, index * 3000L, 3000, true));
        return frame;
    }

    private static OutboundRtpStreamStats Video(RtcPeerConnection connection) =>
        connection.GetStats().Outbound.Single(s => s.Kind == MediaKind.Video);

    private static bool IsRtp(byte[] datagram) =>
        datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223 && BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(8)) != 0;

    private sealed record Outcome(int Frames, long Recovered, long Discarded, long FecSent, long Sent, long Dropped);
}
