using System.Globalization;
using CallBot.Abstractions;
using CallBot.Recording;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Loss between two CallBot peers on an InMemoryNetwork (A sends the synthetic card, B records): (1) 5 % random loss of
/// A → B SRTP/SRTCP datagrams; (2) every packet of one video keyframe lost, retransmissions (RTX) lost too, so only a new
/// keyframe can repair the picture. A answers PLIs with a keyframe (its clip restarts at frame 0: the clips are
/// pre-encoded and MediaSender has no way to force one); the clip's own keyframes are 2 s apart, so a repair within 1 s
/// can only come from the PLI.
/// </summary>
[Collection(RecordingCollection.Name)]
public sealed class RecordingLossTests(SyntheticMediaFixture media)
{
    private const double LossRate = 0.05;
    private const double DurationTolerance = 0.5;
    private static readonly TimeSpan CallDuration = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan MaxRepair = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Five_percent_random_loss_leaves_a_recording_that_decodes_without_errors()
    {
        await using var call = await RecordedCallBotCall.OverInMemoryNetworkAsync();
        var random = new Random(20260611);
        long srtp = 0, lost = 0;
        call.DropAtoB = data =>
        {
            // Runs under the network's lock: the Random and the counters are not shared otherwise.
            if (!SrtpPackets.IsRtpOrRtcp(data))
            {
                return false;
            }

            srtp++;
            if (random.NextDouble() >= LossRate)
            {
                return false;
            }

            lost++;
            return true;
        };
        var sender = call.StartMedia(media);
        sender.AnswerKeyFrameRequests();
        await call.RecordForAsync(CallDuration);
        var inbound = call.B.GetStats().Inbound;
        var sidecar = await call.HangUpAndFinalizeAsync();

        var info = Assert.Single(sidecar.Participants);
        var file = call.Recorder.OutputPath;
        var video = inbound.Single(s => s.Kind == MediaKind.Video);
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"lost {lost} of {srtp} SRTP/SRTCP datagrams A->B; B video: packets lost {video.PacketsLost}, NACKs {video.NackCount}, PLIs {video.PliCount}, frames dropped {video.FramesDropped}; recorder: video gaps {info.Video!.Gaps}, keyframe requests {info.KeyFrameRequests}, dropped before keyframe {info.Video.FramesDroppedBeforeKeyFrame}, audio gaps {info.Audio!.Gaps}, silence {info.Audio.SilenceFramesInserted}; A answered {sender.KeyFramesOnRequest} keyframe requests"));

        // The impairment really happened, and the RTP layer saw it and asked for retransmissions.
        Assert.InRange((double)lost / srtp, LossRate * 0.6, LossRate * 1.4);
        Assert.True(video.NackCount > 0, "no NACK was sent for the lost video packets");

        Assert.Equal(RecordingStatus.Completed, info.Status);
        await RecordingFileChecks.AssertDecodesCleanlyAsync(file);
        using var probe = await RecordingFileChecks.ProbeAsync(file);
        Assert.Equal("vp8", RecordingFileChecks.CodecName(probe, "video"));
        Assert.Equal("opus", RecordingFileChecks.CodecName(probe, "audio"));
        var expected = (call.MediaStoppedAt!.Value - call.MediaStartedAt!.Value).TotalSeconds;
        Assert.InRange(RecordingFileChecks.FormatDuration(probe), expected - DurationTolerance, expected + DurationTolerance);

        // Whatever was lost for good was repaired by a keyframe within a second: no long freeze in the file.
        var (gap, at) = RecordingFileChecks.LongestGap(await RecordingFileChecks.PacketsAsync(file, "v:0"));
        Assert.True(gap <= MaxRepair.TotalSeconds, $"video froze for {gap:0.000} s (until {at:0.000} s)");
    }

    [Fact]
    public async Task Lost_keyframe_is_replaced_through_PLI_within_one_second()
    {
        await using var call = await RecordedCallBotCall.OverInMemoryNetworkAsync();
        long keyFramePacketsLost = 0, rtxLost = 0;
        call.DropAtoB = data =>
        {
            if (KeyFrameDropper.DroppingOnThisThread && SrtpPackets.IsRtp(data))
            {
                keyFramePacketsLost++;
                return true;
            }

            if (SrtpPackets.IsVideoRtx(data))
            {
                rtxLost++;
                return true;
            }

            return false;
        };
        KeyFrameDropper dropper = null!;
        var sender = call.StartMedia(media, inner => dropper = new KeyFrameDropper(inner));
        sender.AnswerKeyFrameRequests();
        await call.RecordForAsync(TimeSpan.FromSeconds(2));

        var requestsBefore = call.Wiring.KeyFrameRequests;
        var answeredBefore = sender.KeyFramesOnRequest;
        var gapsBefore = call.Wiring.VideoGaps;
        dropper.Arm();
        var droppedAt = await dropper.Dropped.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await call.Wiring.WaitUntilAsync(() => call.Wiring.VideoGaps > gapsBefore && call.Wiring.FirstKeyFrameAfterGapAt is not null, TimeSpan.FromSeconds(10));
        var repairedAt = call.Wiring.FirstKeyFrameAfterGapAt!.Value;
        var gapAt = call.Wiring.LastVideoGapAt!.Value;
        var framesAfterRepair = call.Wiring.VideoFrames;
        await call.Wiring.WaitUntilAsync(() => call.Wiring.VideoFrames >= framesAfterRepair + SyntheticMediaFixture.FrameRate, TimeSpan.FromSeconds(10));
        var sidecar = await call.HangUpAndFinalizeAsync();

        var info = Assert.Single(sidecar.Participants);
        var file = call.Recorder.OutputPath;
        TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
            $"keyframe packets lost {keyFramePacketsLost}, RTX lost {rtxLost}; gap reported {(gapAt - droppedAt).TotalMilliseconds:0} ms after the drop, new keyframe {(repairedAt - droppedAt).TotalMilliseconds:0} ms after; recorder keyframe requests {call.Wiring.KeyFrameRequests - requestsBefore}, A answered {sender.KeyFramesOnRequest - answeredBefore}; sidecar video gaps {info.Video!.Gaps}, dropped before keyframe {info.Video.FramesDroppedBeforeKeyFrame}"));

        // The whole keyframe was lost and could not be retransmitted.
        Assert.True(keyFramePacketsLost > 0, "the armed keyframe never reached the network");
        Assert.True(rtxLost > 0, "no retransmission was attempted (so nothing noticed the loss)");

        // Gap → recorder asks (PLI) → A answers with a keyframe → recording resumes, all within 1 s of the loss.
        Assert.True(call.Wiring.KeyFrameRequests > requestsBefore, "the recorder did not ask for a keyframe after the gap");
        Assert.True(sender.KeyFramesOnRequest > answeredBefore, "no PLI reached the sender");
        Assert.True(repairedAt - droppedAt <= MaxRepair, $"keyframe came {(repairedAt - droppedAt).TotalMilliseconds:0} ms after the loss");
        Assert.True(info.Video.Gaps >= 1);
        Assert.True(info.KeyFrameRequests >= 2, "sidecar counts the start request and the repair request");

        // In the file: one freeze, shorter than 1 s, ended by a keyframe (no delta frame that lost its reference was
        // written: the RTP layer discards them with the gap, the recorder would drop any that reached it); all decodes.
        Assert.Equal(RecordingStatus.Completed, info.Status);
        await RecordingFileChecks.AssertDecodesCleanlyAsync(file);
        var packets = await RecordingFileChecks.PacketsAsync(file, "v:0");
        var (gap, endsAt) = RecordingFileChecks.LongestGap(packets);
        Assert.InRange(gap, 0.1, MaxRepair.TotalSeconds);
        Assert.Contains(packets, p => p.Time == endsAt && p.Key);
    }
}
