using CallBot.Rtc.Bwe;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>The REMB estimate from arrival rate and fraction lost, on a <see cref="FakeTimeProvider"/>.</summary>
public sealed class ReceiveBandwidthEstimatorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();
    private long _bytes;

    [Fact]
    public void Starts_at_the_initial_rate_and_grows_8_percent_a_second_up_to_twice_what_arrives()
    {
        var bwe = new ReceiveBandwidthEstimator(_time);
        Assert.Equal(300_000, bwe.Update(_bytes, 0));

        // 1 Mbit/s arriving: the estimate grows by 8%/s, not straight to the ceiling.
        Assert.Equal(324_000, Step(bwe, 1_000_000, 0));
        Assert.Equal(1_000_000, bwe.IncomingBitsPerSecond);
        Assert.Equal(349_920, Step(bwe, 1_000_000, 0));

        // 100 kbit/s arriving: the ceiling (2 × incoming, at least the initial rate) stops growth; the estimate holds.
        var held = bwe.EstimateBitsPerSecond;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(held, Step(bwe, 100_000, 0));
        }
    }

    [Fact]
    public void Heavy_loss_drops_the_estimate_below_the_incoming_rate_and_moderate_loss_holds_it()
    {
        var bwe = new ReceiveBandwidthEstimator(_time);
        bwe.Update(_bytes, 0);
        Step(bwe, 800_000, 0);
        var before = bwe.EstimateBitsPerSecond;

        Assert.Equal(before, Step(bwe, 800_000, 13)); // 5% lost: between the thresholds, hold

        // 25% lost (64/256): incoming × (1 − 0.125)
        Assert.Equal(700_000, Step(bwe, 800_000, 64));
    }

    [Fact]
    public void The_cap_bounds_the_estimate_at_once_and_lifting_it_lets_it_grow_again()
    {
        var bwe = new ReceiveBandwidthEstimator(_time);
        bwe.Update(_bytes, 0);
        for (var i = 0; i < 20; i++)
        {
            Step(bwe, 2_000_000, 0);
        }

        Assert.True(bwe.EstimateBitsPerSecond > 1_000_000);
        bwe.MaxBitrateKbps = 256;
        Assert.Equal(256_000, bwe.EstimateBitsPerSecond);
        Assert.Equal(256_000, Step(bwe, 2_000_000, 0));

        bwe.MaxBitrateKbps = 0;
        Assert.Equal(276_480, Step(bwe, 2_000_000, 0));
    }

    [Fact]
    public void Updates_without_time_passing_or_with_a_counter_going_back_do_not_break_it()
    {
        var bwe = new ReceiveBandwidthEstimator(_time);
        bwe.Update(1_000, 0);
        Assert.Equal(300_000, bwe.Update(5_000, 0)); // no time passed
        _time.Advance(Second);
        Assert.Equal(30_000, bwe.Update(0, 255));    // counter went back: 0 incoming, all lost → the minimum, not below
        Assert.Equal(0, bwe.IncomingBitsPerSecond);
    }

    private long Step(ReceiveBandwidthEstimator bwe, long bitsPerSecond, byte fractionLost)
    {
        _time.Advance(Second);
        _bytes += bitsPerSecond / 8;
        return bwe.Update(_bytes, fractionLost);
    }
}
