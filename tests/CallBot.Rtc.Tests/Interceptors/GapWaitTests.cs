using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Interceptors;

/// <summary>
/// How long a receive gap is held follows the negotiated feedback, not the media kind: a stream with <c>nack</c> waits
/// for a retransmission (<see cref="NackGenerator.GapWait"/> of the RTT, set by the nack stage; the configured MaxGapWait
/// is its floor); a stream without it
/// (video negotiated without nack, as audio always is) keeps <see cref="MediaReceiveStream.ReorderGapWait"/>, even once
/// the report stage has measured an RTT.
/// </summary>
public sealed class GapWaitTests
{
    private static readonly string[] WithNack = [InterceptorRegistry.Nack, InterceptorRegistry.Report, InterceptorRegistry.Stats];
    private static readonly string[] WithoutNack = [InterceptorRegistry.Report, InterceptorRegistry.Stats];

    [Fact]
    public async Task A_video_stream_negotiated_without_nack_keeps_the_short_reorder_wait_after_an_rtt_is_measured()
    {
        await using var peers = await ConnectWithRttAsync(WithoutNack);
        Assert.DoesNotContain("nack", peers.B.LocalDescription!, StringComparison.Ordinal);
        var stream = peers.VideoB.ReceiveStream!;
        Assert.False(stream.Nack);
        Assert.Equal(MediaReceiveStream.ReorderGapWait, stream.Receiver.MaxGapWait);

        // The outcome: a gap nothing will repair is given up after the reorder wait and the next frame is delivered.
        var dropped = 0;
        peers.DropAtoB = datagram => IsRtp(datagram) && Interlocked.CompareExchange(ref dropped, 1, 0) == 0;
        var before = peers.ReceivedByB.Count;
        var broken = InMemoryPeers.SyntheticVp8KeyFrame(1000, 3400); // 3 packets: the first is lost
        var next = InMemoryPeers.SyntheticVp8KeyFrame(1001, 3400);
        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, broken, 3_000_000, 3000, true));
        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, next, 3_003_000, 3000, true));
        await peers.ReceivedByB.WaitForAsync(before + 1, PeerHarness.Timeout);
        Assert.Equal(1, dropped);
        Assert.True(peers.ReceivedByB.Frames[^1].Data.Span.SequenceEqual(next));
        Assert.Equal(before + 1, peers.ReceivedByB.Count); // the broken frame was dropped, not waited for
    }

    [Fact]
    public async Task A_video_stream_negotiated_with_nack_waits_for_a_retransmission()
    {
        await using var peers = await ConnectWithRttAsync(WithNack);
        Assert.Contains("a=rtcp-fb:96 nack", peers.B.LocalDescription!, StringComparison.Ordinal);
        var stream = peers.VideoB.ReceiveStream!;
        Assert.True(stream.Nack);

        // Four NACK rounds of the measured RTT (the nack stage sets it at its ticks; the RTT may move between two reads),
        // never below the configured wait.
        var floor = new PeerConnectionOptions().MaxGapWait;
        await Poll.UntilAsync(
            () => (Wait: stream.Receiver.MaxGapWait, Rtt: peers.VideoB.RoundTripTime),
            s => s.Rtt is { } rtt && s.Wait == (NackGenerator.GapWait(rtt) > floor ? NackGenerator.GapWait(rtt) : floor),
            PeerHarness.Timeout,
            s => $"gap wait {s.Wait} for RTT {s.Rtt}",
            TimeSpan.FromMilliseconds(20),
            TestContext.Current.CancellationToken);
        Assert.True(stream.Receiver.MaxGapWait >= floor);
        Assert.True(stream.Receiver.MaxGapWait > MediaReceiveStream.ReorderGapWait);
    }

    /// <summary>Connects with <paramref name="stages"/> on both sides, then sends both ways until B has measured the RTT.</summary>
    private static async Task<InMemoryPeers> ConnectWithRttAsync(string[] stages)
    {
        var peers = await InMemoryPeers.ConnectAsync(stagesOfB: stages, stagesOfA: stages);
        await peers.SendFrameAndWaitAsync();
        var frame = InMemoryPeers.SyntheticVp8KeyFrame(1, 1000);
        var index = 0;
        await Poll.UntilAsync(
            () =>
            {
                // B must send for A's reports to carry a block about B's stream (B's RTT comes from those).
                peers.VideoB.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, index++ * 3000L, 3000, true));
                return peers.VideoB.RoundTripTime;
            },
            rtt => rtt is not null,
            PeerHarness.Timeout,
            _ => "B measured no RTT",
            TimeSpan.FromMilliseconds(20),
            TestContext.Current.CancellationToken);
        return peers;
    }

    private static bool IsRtp(byte[] datagram) =>
        datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223;
}
