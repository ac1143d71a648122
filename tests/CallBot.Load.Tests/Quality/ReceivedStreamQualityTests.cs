using CallBot.Abstractions;
using CallBot.Load.Metrics;
using CallBot.Load.Quality;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Load.Tests.Quality;

public sealed class ReceivedStreamQualityTests
{
    private const int VideoRate = 90_000;
    private static readonly byte[] Payload = new byte[100];

    [Fact]
    public void Delay_is_the_receivers_clock_minus_the_rtp_timestamp_mapped_through_the_senders_report()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var quality = new ReceivedStreamQuality(MediaKind.Video, VideoRate, time);
        const uint baseRtp = 4_294_000_000; // wraps within the test: the mapping must use the 32-bit difference
        // A frame before any sender report cannot be timed.
        quality.OnFrame(Frame(baseRtp));
        Assert.Null(quality.Report().Delay);

        // The SR says: RTP baseRtp was captured at "now". Frames are captured every 33⅓ ms and complete 120 ms later.
        var senderClock = Micros(time.GetUtcNow());
        quality.OnSenderReport(senderClock, baseRtp);
        time.Advance(TimeSpan.FromMilliseconds(120));
        for (var i = 0; i < 90; i++)
        {
            quality.OnFrame(Frame(baseRtp + (i * 3000L)));
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 30));
        }

        var delay = LogHistogram.FromData(quality.Report().Delay!);
        Assert.Equal(90, delay.Count);
        Assert.InRange(delay.Min, 119.9, 120.1);
        Assert.InRange(delay.Max, 119.9, 120.1);
        Assert.InRange(delay.Percentile(50), 118.8, 121.2); // the 2 % buckets' precision
    }

    [Fact]
    public void Audio_concealment_is_the_share_of_frames_the_timestamps_span_that_never_arrived()
    {
        var time = new FakeTimeProvider();
        var quality = new ReceivedStreamQuality(MediaKind.Audio, 48_000, time);
        for (var i = 0; i < 100; i++)
        {
            if (i % 10 != 3)
            {
                quality.OnFrame(new EncodedFrame(CodecId.Opus, Payload, 960L * i, 960, true));
            }
        }

        Assert.Equal(0.10, quality.Report().ConcealedShare!.Value, 3);
        Assert.Null(new ReceivedStreamQuality(MediaKind.Video, VideoRate, time).Report().ConcealedShare);
    }

    [Fact]
    public void Each_second_records_fps_and_the_keyframes_height()
    {
        var time = new FakeTimeProvider();
        var quality = new ReceivedStreamQuality(MediaKind.Video, VideoRate, time);
        quality.Sample(time.GetTimestamp());
        var keyFrame = new byte[] { 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xb4, 0x00, 0, 0 }; // 320 x 180
        quality.OnFrame(new EncodedFrame(CodecId.Vp8, keyFrame, 0, 0, true));
        for (var i = 1; i < 30; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(33));
            quality.OnFrame(Frame((uint)(i * 3000)));
        }

        time.Advance(TimeSpan.FromMilliseconds(400));
        quality.OnFrame(Frame(30 * 3000));
        time.Advance(TimeSpan.FromMilliseconds(1000 - (29 * 33) - 400 + 1000));
        quality.Sample(time.GetTimestamp());

        var report = quality.Report();
        var second = Assert.Single(report.Seconds);
        Assert.Equal(180, second.Height);
        Assert.Equal(31 / 2.0, second.Fps, 3);
        Assert.Equal(0, ReceivedStreamQuality.Vp8KeyFrameHeight(keyFrame.AsSpan(1)));
    }

    [Fact]
    public void Frames_cost_no_allocation_once_the_stream_runs()
    {
        var time = new FakeTimeProvider();
        var quality = new ReceivedStreamQuality(MediaKind.Video, VideoRate, time);
        quality.OnSenderReport(Micros(time.GetUtcNow()), 0);
        quality.OnFrame(Frame(0));
        const int frames = 20_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 1; i <= frames; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(33));
            quality.OnFrame(Frame((uint)(i * 3000)));
        }

        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, frames, "ReceivedStreamQuality.OnFrame");
    }

    [Fact]
    public void Delay_histogram_matches_the_run_histogram_it_merges_into()
    {
        var fixedRange = new DelayHistogram();
        var reference = new LogHistogram();
        foreach (var ms in new[] { 0.0, 0.05, 1, 17.3, 100, 100.4, 250, 999, 1234.5 })
        {
            fixedRange.Record(ms);
            reference.Record(ms);
        }

        var merged = LogHistogram.FromData(fixedRange.ToData());
        Assert.Equal(reference.Count, merged.Count);
        Assert.Equal(reference.Sum, merged.Sum, 6);
        Assert.Equal(reference.Zeros + 1, merged.Zeros); // 0.05 ms is below DelayHistogram.MinMs: counted as zero
        foreach (var p in new[] { 50.0, 90, 99 })
        {
            Assert.Equal(reference.Percentile(p), merged.Percentile(p), 6);
        }
    }

    private static EncodedFrame Frame(long rtp) => new(CodecId.Vp8, Payload, rtp, 3000, false);

    private static long Micros(DateTimeOffset at) => (at.UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
}
