using CallBot.Rtc.Bwe;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>Application-limited region detection (libwebrtc's AlrDetector thresholds) on a <see cref="FakeTimeProvider"/>.</summary>
public sealed class ApplicationLimitedDetectorTests
{
    private const int PacketSize = 1000;

    [Fact]
    public void A_sender_using_a_fifth_of_the_estimate_is_application_limited_and_leaves_the_region_at_full_rate()
    {
        var time = new FakeTimeProvider();
        var detector = new ApplicationLimitedDetector(time);
        detector.SetEstimate(2_000_000);

        Send(detector, time, kbps: 400, TimeSpan.FromSeconds(1));
        Assert.True(detector.InRegion);
        Assert.Equal(1, detector.Regions);
        var started = detector.RegionStartedAt;
        Assert.NotNull(started);

        // Within one window of sending at the estimate the unused budget is spent: out of the region.
        Send(detector, time, kbps: 2_000, TimeSpan.FromMilliseconds(600));
        Assert.False(detector.InRegion);
        Assert.Null(detector.RegionStartedAt);
        Assert.Equal(1, detector.Regions);
    }

    [Fact]
    public void A_sender_near_the_estimate_never_enters_the_region()
    {
        var time = new FakeTimeProvider();
        var detector = new ApplicationLimitedDetector(time);
        detector.SetEstimate(1_000_000);

        Send(detector, time, kbps: 800, TimeSpan.FromSeconds(5));

        Assert.False(detector.InRegion);
        Assert.Equal(0, detector.Regions);
        Assert.True(detector.BudgetLevel < ApplicationLimitedDetector.StartLevel);
    }

    [Fact]
    public void A_lower_estimate_ends_the_region_of_a_sender_that_did_not_change_its_rate()
    {
        var time = new FakeTimeProvider();
        var detector = new ApplicationLimitedDetector(time);
        detector.SetEstimate(3_000_000);
        Send(detector, time, kbps: 500, TimeSpan.FromSeconds(1));
        Assert.True(detector.InRegion);

        detector.SetEstimate(500_000); // e.g. after congestion: 500 kbit/s is now all the estimate allows
        Send(detector, time, kbps: 500, TimeSpan.FromSeconds(1));

        Assert.False(detector.InRegion);
    }

    [Fact]
    public void Packets_reported_out_of_send_order_do_not_add_budget_twice()
    {
        var time = new FakeTimeProvider();
        var detector = new ApplicationLimitedDetector(time);
        detector.SetEstimate(1_000_000);
        var start = time.GetTimestamp();
        detector.OnSent(PacketSize, start);
        time.Advance(TimeSpan.FromMilliseconds(10));
        var later = time.GetTimestamp();
        detector.OnSent(PacketSize, later);
        var level = detector.BudgetLevel;

        detector.OnSent(PacketSize, start); // stamped before the previous one by another producer

        Assert.True(detector.BudgetLevel < level);
    }

    private static void Send(ApplicationLimitedDetector detector, FakeTimeProvider time, int kbps, TimeSpan duration)
    {
        var interval = TimeSpan.FromSeconds(PacketSize * 8.0 / (kbps * 1000.0));
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += interval)
        {
            time.Advance(interval);
            detector.OnSent(PacketSize, time.GetTimestamp());
        }
    }
}
