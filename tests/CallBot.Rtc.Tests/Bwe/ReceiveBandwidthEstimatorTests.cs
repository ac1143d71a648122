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
    public void Without_loss_it_does_not_constrain_the_sender_and_after_a_decrease_it_grows_8_percent_a_second()
    {
        var bwe = new ReceiveBandwidthEstimator(_time);
        Assert.Equal(20_000_000, bwe.Update(_bytes, 0));
        Assert.Equal(20_000_000, Step(bwe, 1_000_000, 0));
        Assert.Equal(1_000_000, bwe.IncomingBitsPerSecond);

        Assert.Equal(437_500, Step(bwe, 500_000, 64)); // 25% lost: 500k × (1 − 0.125)
        Assert.Equal(472_500, Step(bwe, 500_000, 0));  // × 1.08
        Assert.Equal(510_300, Step(bwe, 500_000, 0));
    }

    [Fact]
    public void A_configured_start_is_used_until_the_first_measurement()
    {
        var bwe = new ReceiveBandwidthEstimator(_time, new ReceiveBandwidthEstimatorOptions { InitialBitsPerSecond = 300_000 });
        Assert.Equal(300_000, bwe.Update(_bytes, 0));
        Assert.Equal(324_000, Step(bwe, 100_000, 0));
    }

    [Fact]
    public void Heavy_loss_drops_the_estimate_below_the_incoming_rate_and_moderate_loss_holds_it()
    {
        var bwe = new ReceiveBandwidthEstimator(_time, new ReceiveBandwidthEstimatorOptions { InitialBitsPerSecond = 1_000_000 });
        bwe.Update(_bytes, 0);
        Assert.Equal(1_000_000, Step(bwe, 800_000, 13)); // 5% lost: between the thresholds, hold

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
        Assert.Equal(276_480, Step(bwe, 2_000_000, 0)); // grows from where the cap held it
    }

    [Fact]
    public void Updates_without_time_passing_or_with_a_counter_going_back_do_not_break_it()
    {
        var bwe = new ReceiveBandwidthEstimator(_time, new ReceiveBandwidthEstimatorOptions { InitialBitsPerSecond = 300_000 });
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
