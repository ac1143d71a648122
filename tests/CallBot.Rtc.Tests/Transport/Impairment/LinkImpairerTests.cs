using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport.Impairment;

public sealed class LinkImpairerTests
{
    private const long Frequency = TimeSpan.TicksPerSecond;

    private static long At(double ms) => (long)(ms * TimeSpan.TicksPerMillisecond);

    private static double Ms(long ticks) => (double)ticks / TimeSpan.TicksPerMillisecond;

    [Fact]
    public void No_impairment_delivers_everything_immediately()
    {
        var impairer = new LinkImpairer(LinkImpairment.None, seed: 1, epochTimestamp: 0, Frequency);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(ImpairmentVerdict.Deliver, impairer.Decide(At(i), 1200, out var due, out var reordered));
            Assert.Equal(At(i), due);
            Assert.False(reordered);
        }
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.05)]
    [InlineData(0.3)]
    public void Loss_rate_is_within_tolerance_over_many_packets(double rate)
    {
        const int n = 50_000;
        var impairer = new LinkImpairer(new LinkImpairment { LossRate = rate }, seed: 42, 0, Frequency);
        var lost = 0;
        for (var i = 0; i < n; i++)
        {
            lost += impairer.Decide(At(i), 200, out _, out _) == ImpairmentVerdict.DroppedLoss ? 1 : 0;
        }

        // 4 standard deviations of a binomial.
        var tolerance = 4 * Math.Sqrt(rate * (1 - rate) / n);
        Assert.InRange((double)lost / n, rate - tolerance, rate + tolerance);
    }

    [Fact]
    public void Independent_jitter_stays_within_bounds_and_averages_to_the_delay()
    {
        var impairer = new LinkImpairer(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(80), Jitter = TimeSpan.FromMilliseconds(20), JitterKeepsOrder = false }, 7, 0, Frequency);
        var delays = new List<double>();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(ImpairmentVerdict.Deliver, impairer.Decide(At(i * 5), 1000, out var due, out _));
            delays.Add(Ms(due - At(i * 5)));
        }

        Assert.All(delays, d => Assert.InRange(d, 60, 100));
        Assert.InRange(delays.Average(), 79, 81);
        Assert.True(delays.Min() < 61 && delays.Max() > 99, "jitter should cover its whole range");
    }

    [Fact]
    public void Jitter_that_keeps_order_never_lets_a_datagram_overtake_and_stays_within_bounds()
    {
        // Datagrams 5 ms apart with ±20 ms of jitter: drawn independently, about a third would overtake the one before.
        var impairer = new LinkImpairer(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(80), Jitter = TimeSpan.FromMilliseconds(20) }, 7, 0, Frequency);
        var previous = long.MinValue;
        var delays = new List<double>();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(ImpairmentVerdict.Deliver, impairer.Decide(At(i * 5), 1000, out var due, out _));
            Assert.True(due >= previous, $"datagram {i} overtook the one before");
            previous = due;
            delays.Add(Ms(due - At(i * 5)));
        }

        Assert.All(delays, d => Assert.InRange(d, 60, 100));
        Assert.True(delays.Min() < 65 && delays.Max() > 99, "jitter should still spread the delay");
    }

    [Fact]
    public void Jitter_never_makes_a_delay_negative()
    {
        var impairer = new LinkImpairer(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(50) }, 3, 0, Frequency);
        for (var i = 0; i < 2000; i++)
        {
            impairer.Decide(At(i), 100, out var due, out _);
            Assert.True(due >= At(i));
        }
    }

    [Fact]
    public void Reorder_share_holds_back_that_share_and_later_packets_overtake_them()
    {
        const int n = 20_000;
        var impairer = new LinkImpairer(new LinkImpairment { Delay = TimeSpan.FromMilliseconds(20), ReorderRate = 0.1, ReorderDelay = TimeSpan.FromMilliseconds(10) }, 11, 0, Frequency);
        var dues = new long[n];
        var held = 0;
        for (var i = 0; i < n; i++)
        {
            impairer.Decide(At(i), 100, out dues[i], out var reordered); // one packet per ms
            held += reordered ? 1 : 0;
        }

        Assert.InRange((double)held / n, 0.09, 0.11);
        // A packet counts as reordered on arrival when some packet sent after it arrives before it.
        var outOfOrder = 0;
        var minLater = long.MaxValue;
        for (var i = n - 1; i >= 0; i--)
        {
            if (minLater < dues[i])
            {
                outOfOrder++;
            }

            minLater = Math.Min(minLater, dues[i]);
        }

        Assert.InRange((double)outOfOrder / n, 0.085, 0.11);
    }

    [Fact]
    public void Bandwidth_cap_shapes_to_the_rate_and_drops_what_waits_too_long()
    {
        // Offer 2 Mbit/s (1250-byte packets every 5 ms) to an 800 kbit/s link for 10 s.
        var link = new LinkImpairment { BandwidthKbps = 800, BurstBytes = 5000, MaxQueueDelay = TimeSpan.FromMilliseconds(200) };
        var impairer = new LinkImpairer(link, 5, 0, Frequency);
        var departures = new List<long>();
        var dropped = 0;
        for (var i = 0; i < 2000; i++)
        {
            var now = At(i * 5);
            var verdict = impairer.Decide(now, 1250, out var due, out _);
            if (verdict == ImpairmentVerdict.DroppedQueueFull)
            {
                dropped++;
                continue;
            }

            Assert.True(due - now <= At(200), "no datagram waits longer than the queue limit");
            departures.Add(due);
        }

        var seconds = Ms(departures[^1] - departures[0]) / 1000;
        var kbps = (departures.Count - 1) * 1250 * 8 / seconds / 1000;
        Assert.InRange(kbps, 780, 805);
        Assert.InRange(dropped, 1150, 1250); // 60% of the offered load does not fit
        for (var i = 1; i < departures.Count; i++)
        {
            Assert.True(departures[i] >= departures[i - 1], "the shaper keeps FIFO order");
        }
    }

    [Fact]
    public void Bandwidth_cap_lets_a_burst_within_the_bucket_through_at_once()
    {
        var impairer = new LinkImpairer(new LinkImpairment { BandwidthKbps = 100, BurstBytes = 3000 }, 5, 0, Frequency);
        for (var i = 0; i < 3; i++)
        {
            impairer.Decide(At(1000), 1000, out var due, out _);
            Assert.Equal(At(1000), due);
        }

        impairer.Decide(At(1000), 1000, out var fourth, out _);
        Assert.Equal(80, Ms(fourth - At(1000)), 0.01); // 1000 bytes at 100 kbit/s
    }

    [Fact]
    public void Blackout_windows_drop_everything_inside_them_only()
    {
        var link = new LinkImpairment { Blackouts = [new BlackoutWindow(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)), new BlackoutWindow(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500))] };
        var epoch = At(10_000);
        var impairer = new LinkImpairer(link, 1, epoch, Frequency);
        for (var ms = 0; ms < 7000; ms += 10)
        {
            var verdict = impairer.Decide(epoch + At(ms), 100, out _, out _);
            var inside = ms is >= 2000 and < 3000 or >= 5000 and < 5500;
            Assert.Equal(inside ? ImpairmentVerdict.DroppedBlackout : ImpairmentVerdict.Deliver, verdict);
        }
    }

    [Fact]
    public void The_same_seed_makes_the_same_decisions()
    {
        var link = new LinkImpairment { LossRate = 0.2, Jitter = TimeSpan.FromMilliseconds(30), Delay = TimeSpan.FromMilliseconds(40), ReorderRate = 0.05 };
        var a = new LinkImpairer(link, 99, 0, Frequency);
        var b = new LinkImpairer(link, 99, 0, Frequency);
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(a.Decide(At(i), 500, out var dueA, out _), b.Decide(At(i), 500, out var dueB, out _));
            Assert.Equal(dueA, dueB);
        }
    }
}
