using System.Buffers.Binary;
using CallBot.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>RTCP between two CallBot peers: PLI (explicit and until the first keyframe), SR, NACK → RTX recovery, gaps, bitrate limits.</summary>
public sealed class RtcpFeedbackTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RequestKeyFrame_reaches_the_remote_sender_as_KeyFrameRequested()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var requested = Raised(h => peers.VideoA.KeyFrameRequested += h);

        peers.VideoB.RequestKeyFrame();

        await requested.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.True(peers.A.GetStats().Outbound.Single().PliCount >= 1);
    }

    [Fact]
    public async Task Receiver_asks_for_a_keyframe_while_only_delta_frames_arrive()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        var requested = Raised(h => peers.VideoA.KeyFrameRequested += h);
        var delta = InMemoryPeers.SyntheticVp8KeyFrame(0, 800);
        delta[0] |= 0x01; // P = 1: an interframe, undecodable without a keyframe

        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, delta, 0, 3000, false));

        await requested.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, peers.ReceivedByB.Count);
        Assert.True(peers.B.GetStats().Inbound.Single().PliCount >= 1);
    }

    [Fact]
    public async Task Sender_reports_reach_the_receiver_with_the_stream_rtp_clock()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        var report = new TaskCompletionSource<RemoteSenderReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.VideoB.SenderReportReceived += (_, r) => report.TrySetResult(r);
        await peers.SendFrameAndWaitAsync();

        var sr = await report.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var inbound = peers.B.GetStats().Inbound.Single();
        Assert.Equal(inbound.Ssrc, sr.Ssrc);
        Assert.Equal(peers.VideoA.Ssrc, sr.Ssrc);
        Assert.True(sr.PacketCount >= 1);
        var age = DateTimeOffset.UtcNow - CallBot.Abstractions.NtpTime.ToDateTime(sr.NtpTime);
        Assert.InRange(age, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_lost_packet_is_recovered_by_nack_and_rtx()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var dropped = -1;
        peers.DropAtoB = datagram =>
        {
            // The first media packet without the marker bit (the middle of a multi-packet frame), once.
            if (dropped < 0 && IsRtp(datagram) && (datagram[1] & 0x80) == 0 && datagram.Length > 1000)
            {
                dropped = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2));
                return true;
            }

            return false;
        };

        var frame = InMemoryPeers.SyntheticVp8KeyFrame(7, 5000);
        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, frame, 90_000, 3000, true));
        await peers.ReceivedByB.WaitForAsync(2, Timeout);

        Assert.True(dropped >= 0);
        Assert.Equal(frame, peers.ReceivedByB.Frames[^1].Data.ToArray());
        Assert.True(peers.A.GetStats().Outbound.Single().RetransmittedPackets >= 1);
        Assert.True(peers.B.GetStats().Inbound.Single().NackCount >= 1);
    }

    [Fact]
    public async Task An_unrecoverable_loss_raises_RemoteGap_and_the_next_keyframe_is_delivered()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();
        await peers.SendFrameAndWaitAsync();
        var gap = new TaskCompletionSource<FrameGap>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.VideoB.RemoteGap += (_, g) => gap.TrySetResult(g);
        var lost = -1;
        peers.DropAtoB = datagram =>
        {
            if (!IsRtp(datagram))
            {
                return false;
            }

            if (lost < 0 && (datagram[1] & 0x80) == 0 && datagram.Length > 1000)
            {
                lost = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2));
                return true;
            }

            return (datagram[1] & 0x7F) == 97; // every RTX retransmission is lost too
        };

        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame(9, 5000), 90_000, 3000, true));
        var reported = await gap.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        var next = await peers.SendFrameAndWaitAsync();

        Assert.True(reported.PacketsMissing >= 1);
        Assert.Equal(2, peers.ReceivedByB.Count);
        Assert.Equal(next, peers.ReceivedByB.Frames[^1].Data.ToArray());
    }

    [Fact]
    public async Task Target_bitrate_is_the_smallest_of_our_cap_and_the_remote_b_AS()
    {
        await using var peers = await InMemoryPeers.ConnectAsync(
            mungeAnswer: answer => answer.Replace("c=IN IP4 0.0.0.0\r\n", "c=IN IP4 0.0.0.0\r\nb=AS:300\r\n", StringComparison.Ordinal));

        Assert.Equal(300, peers.VideoA.TargetBitrateKbps);
        peers.A.SetMaxBandwidth(200);
        Assert.Equal(200, peers.VideoA.TargetBitrateKbps);
        peers.A.SetMaxBandwidth(1000);
        Assert.Equal(300, peers.VideoA.TargetBitrateKbps);
        peers.A.SetMaxBandwidth(0);
        Assert.Equal(300, peers.VideoA.TargetBitrateKbps);
        Assert.Equal(0, peers.VideoB.TargetBitrateKbps);
    }

    [Fact]
    public async Task A_receiver_without_the_nack_and_remb_stages_negotiates_neither_and_a_loss_is_not_retransmitted()
    {
        await using var peers = await InMemoryPeers.ConnectAsync(stagesOfB: ["keyframe", "report", "stats"]);
        await peers.SendFrameAndWaitAsync();
        var gap = new TaskCompletionSource<FrameGap>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.VideoB.RemoteGap += (_, g) => gap.TrySetResult(g);
        var lost = -1;
        peers.DropAtoB = datagram =>
        {
            if (lost < 0 && IsRtp(datagram) && (datagram[1] & 0x80) == 0 && datagram.Length > 1000)
            {
                lost = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2));
                return true;
            }

            return false;
        };

        peers.VideoA.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame(9, 5000), 90_000, 3000, true));
        await gap.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await peers.SendFrameAndWaitAsync();

        var answer = peers.B.LocalDescription!;
        Assert.DoesNotContain(" nack\r\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("goog-remb", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("rtx/90000", answer, StringComparison.Ordinal);
        Assert.Contains(" nack pli\r\n", answer, StringComparison.Ordinal); // the keyframe stage still runs
        var outbound = peers.A.GetStats().Outbound.Single();
        Assert.Equal(0, outbound.NackCount);              // no NACK reached A
        Assert.Equal(0, outbound.RetransmittedPackets);
    }

    [Fact]
    public async Task By_default_the_answer_negotiates_nack_remb_and_rtx()
    {
        await using var peers = await InMemoryPeers.ConnectAsync();

        var answer = peers.B.LocalDescription!;
        Assert.Contains(" nack\r\n", answer, StringComparison.Ordinal);
        Assert.Contains(" goog-remb\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("rtx/90000", answer, StringComparison.Ordinal);
    }

    private static bool IsRtp(byte[] datagram) => datagram.Length > 12 && datagram[0] is >= 128 and <= 191 && datagram[1] is < 192 or > 223;

    private static Task Raised(Action<EventHandler> subscribe)
    {
        var raised = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, _) => raised.TrySetResult());
        return raised.Task;
    }
}
