using CallBot.Rtc.Bwe;
using CallBot.Rtc.Rtcp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>
/// The GCC send-side estimator on a <see cref="FakeTimeProvider"/>, fed by the real transport-cc parts: a sender stamps
/// packets (<see cref="TransportSendHistory"/>), a simulated bottleneck queue delivers them, the receiver's
/// <see cref="TransportArrivalRecorder"/> builds feedback every 50 ms, which goes through the RTCP wire format and back.
/// Probing is off here: these are the controllers alone (ProbingTests has them with probes).
/// </summary>
public sealed class SendSideBandwidthEstimatorTests
{
    private static readonly TransportCcOptions NoProbing = new() { Probing = false };

    [Fact]
    public void Overuse_decreases_the_estimate_under_a_bottleneck_within_5_seconds()
    {
        using var link = new SimulatedLink(capacityKbps: 2_500, NoProbing);
        link.Run(TimeSpan.FromSeconds(10));
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 1_200_000, 3_000_000);

        Assert.False(link.Estimator.ApplicationLimited); // it sends at the estimate

        link.CapacityKbps = 500;
        link.Run(TimeSpan.FromSeconds(5));

        Assert.True(link.Estimator.Decreases > 0);
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 150_000, 500_000);
        link.Run(TimeSpan.FromSeconds(5));
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 200_000, 600_000);
    }

    [Fact]
    public void After_the_bottleneck_lifts_the_estimate_grows_back()
    {
        using var link = new SimulatedLink(capacityKbps: 500, NoProbing);
        link.Run(TimeSpan.FromSeconds(10));
        var low = link.Estimator.EstimateBitsPerSecond;
        Assert.InRange(low, 150_000, 550_000);

        link.CapacityKbps = 2_500;
        link.Run(TimeSpan.FromSeconds(20));

        Assert.True(link.Estimator.EstimateBitsPerSecond > 2 * low, $"{low} → {link.Estimator.EstimateBitsPerSecond}");
    }

    [Fact]
    public void Loss_decreases_the_estimate_without_any_delay_signal()
    {
        using var link = new SimulatedLink(capacityKbps: 50_000, NoProbing) { LossEvery = 5 };
        link.Run(TimeSpan.FromSeconds(3));

        Assert.InRange(link.Estimator.LossFraction, 0.15, 0.25);
        Assert.True(link.Estimator.EstimateBitsPerSecond < 1_000_000, $"{link.Estimator.EstimateBitsPerSecond}");
        Assert.Equal(0, link.Estimator.Decreases);
    }

    [Fact]
    public void Without_congestion_an_application_limited_sender_does_not_let_the_estimate_float_away()
    {
        using var link = new SimulatedLink(capacityKbps: 50_000, new TransportCcOptions { StartBitrateKbps = 300, Probing = false }) { SendRateKbps = 300 };
        link.Run(TimeSpan.FromSeconds(20));

        // 1.5 × the acknowledged 300 kbit/s + 10 kbit/s at most: a rate the path was never shown to carry is not assumed.
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 300_000, 470_000);
        Assert.Equal(BandwidthUsage.Normal, link.Estimator.DelayState);
    }

    [Fact]
    public void A_sender_well_below_the_estimate_is_application_limited_from_the_feedback()
    {
        // The estimate starts at 1.5 Mbit/s; the encoder sends 300 kbit/s on a wide path: far below 65 % of it.
        using var link = new SimulatedLink(capacityKbps: 50_000, NoProbing) { SendRateKbps = 300 };
        link.Run(TimeSpan.FromSeconds(3));

        Assert.True(link.Estimator.ApplicationLimited);
        Assert.Equal(1, link.Estimator.ApplicationLimitedRegions);
    }

    [Fact]
    public void Underuse_holds_the_estimate_while_a_queue_drains()
    {
        var time = new FakeTimeProvider();
        var options = new TransportCcOptions();
        var estimator = new SendSideBandwidthEstimator(options, time);
        long? whenUnderusing = null;
        var results = new SentPacketResult[10];
        long arrival = 500_000;
        for (var feedback = 0; feedback < 40; feedback++)
        {
            for (var i = 0; i < results.Length; i++)
            {
                // Sent every 10 ms, arriving every 6 ms: the queue ahead of them shrinks.
                results[i] = new SentPacketResult(time.GetTimestamp(), 1200, arrival);
                time.Advance(TimeSpan.FromMilliseconds(10));
                arrival += 6_000;
            }

            estimator.OnFeedback(results);
            if (estimator.DelayState == BandwidthUsage.Underusing)
            {
                whenUnderusing ??= estimator.DelayBasedBitsPerSecond;
            }
        }

        Assert.Equal(BandwidthUsage.Underusing, estimator.DelayState);
        Assert.Equal(whenUnderusing, estimator.DelayBasedBitsPerSecond);
        Assert.Equal(0, estimator.Decreases);
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportCcOptions { FeedbackInterval = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportCcOptions { StartBitrateKbps = 30_000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportCcOptions { DecreaseFactor = 1.2 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportCcOptions { MaxPacketsPerFeedback = 100_000 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TransportCcOptions { MaxProbeBitrateKbps = 1 }.Validate());
        new TransportCcOptions().Validate();
    }
}
