using CallBot.Rtc.Bwe;
using CallBot.Rtc.Rtcp;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>Transport-cc feedback as remote input (limits, fuzz) and the two ends that produce and consume it.</summary>
public sealed class TransportCcFeedbackTests
{
    [Fact]
    public void A_feedback_claiming_more_statuses_than_the_limit_is_rejected_before_anything_is_allocated_for_them()
    {
        byte[] wire =
        [
            0x8F, 0xCD, 0x00, 0x05, // length=5
            0, 0, 0, 1, 0, 0, 0, 2, // SSRCs
            0x00, 0x00, 0xFF, 0xFF, // base seq 0 | status count 65,535
            0x00, 0x00, 0x01, 0x00, // reference time 1
            0x1F, 0xFF, 0x1F, 0xFF, // two run-length chunks of 8,191 "not received"
        ];
        Assert.False(TransportCc.TryParse(wire, out _, out var reason));
        Assert.Equal(RtcpDropReason.BadCount, reason);

        wire[14] = 0x20; // 8,192: the limit is accepted (the second chunk's run is cut to the count)
        wire[15] = 0x00;
        Assert.True(TransportCc.TryParse(wire, out var feedback, out reason), reason.ToString());
        Assert.Equal(TransportCc.MaxStatusCount, feedback!.Packets.Count);
    }

    [Fact]
    public void Random_and_truncated_feedback_never_throws()
    {
        var random = new Random(15);
        var arrivals = new long[300];
        for (var i = 0; i < arrivals.Length; i++)
        {
            arrivals[i] = random.Next(10) == 0 ? -1 : 1_000_000 + (i * 3_000) + random.Next(50_000);
        }

        var valid = TransportCc.Build(1, 2, 0, 65_500, arrivals, out _);
        var wire = new byte[valid.GetSize()];
        Assert.True(valid.TryWrite(wire, out _));
        var accepted = 0;
        for (var round = 0; round < 5_000; round++)
        {
            var mutated = (byte[])wire.Clone();
            var length = random.Next(mutated.Length + 1);
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                mutated[4 + random.Next(mutated.Length - 4)] = (byte)random.Next(256);
            }

            // The receive path's own way: the compound reader, then the parser.
            var reader = new RtcpCompoundReader(mutated.AsSpan(0, length));
            while (reader.MoveNext())
            {
                if (RtcpPacketParser.TryParse(reader.Current, out var packet, out _) && packet is TransportCc parsed)
                {
                    Assert.InRange(parsed.Packets.Count, 0, TransportCc.MaxStatusCount);
                    accepted++;
                }
            }
        }

        Assert.InRange(accepted, 1, 4_999);
    }

    [Fact]
    public void The_recorder_reports_arrivals_and_losses_once_and_across_the_sequence_wrap()
    {
        var recorder = new TransportArrivalRecorder();
        recorder.Record(65_534, 1_000_000);
        recorder.Record(0, 1_010_000); // 65,535 lost
        recorder.Record(1, 1_011_000);

        var feedback = recorder.TakeFeedback(7, 9)!;
        Assert.Equal(65_534, feedback.BaseSequenceNumber);
        Assert.Equal(
            [TwccStatus.SmallDelta, TwccStatus.NotReceived, TwccStatus.SmallDelta, TwccStatus.SmallDelta],
            feedback.Packets.Select(p => p.Status));
        Assert.Equal(40, feedback.Packets[2].Delta); // 10 ms after the first in 250 µs ticks
        Assert.Null(recorder.TakeFeedback(7, 9));

        recorder.Record(65_535, 1_012_000); // already reported as lost: too late
        recorder.Record(2, 1_013_000);
        Assert.Equal(1, recorder.Late);
        var next = recorder.TakeFeedback(7, 9)!;
        Assert.Equal(2, next.BaseSequenceNumber);
        Assert.Equal(1, next.FeedbackPacketCount);
    }

    [Fact]
    public void A_jump_past_the_window_gives_up_the_oldest_numbers_instead_of_growing()
    {
        var recorder = new TransportArrivalRecorder(maxPacketsPerFeedback: 100);
        recorder.Record(0, 1_000);
        for (ushort s = 1; s <= 20_000; s += 7)
        {
            recorder.Record(s, 1_000 + s);
        }

        Assert.True(recorder.Skipped > 0);
        var reported = 0;
        while (recorder.TakeFeedback(1, 2) is { } feedback)
        {
            Assert.InRange(feedback.Packets.Count, 1, 100);
            reported += feedback.Packets.Count;
        }

        Assert.InRange(reported, 1, TransportArrivalRecorder.Capacity);
    }

    [Fact]
    public void The_send_history_matches_feedback_with_send_times_and_sizes()
    {
        var history = new TransportSendHistory();
        var first = history.Stamp(1000, 100);
        history.Stamp(1100, 200);
        history.Stamp(1200, 300);
        var feedback = TransportCc.Build(1, 2, 0, first, [64_000, -1, 66_000], out _);
        var results = new SentPacketResult[8];

        Assert.Equal(3, history.Match(feedback, results));
        Assert.Equal(new SentPacketResult(100, 1000, 64_000), results[0]);
        Assert.False(results[1].Received);
        Assert.Equal(new SentPacketResult(300, 1200, 66_000), results[2]);
    }
}
