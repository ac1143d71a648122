using CallBot.Rtc.Bwe;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>
/// A bottleneck that drops under a sender (the bandwidth-step bench's drop from 2.5 Mbit/s to 500 kbit/s) on a
/// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>: how long the queue it builds gets before the
/// estimate is under the new capacity.
/// </summary>
public sealed class CapacityDropTests(ITestOutputHelper output)
{
    [Fact]
    public void A_sender_at_1_4_Mbps_whose_link_drops_to_500_kbps_is_under_it_within_300_ms()
    {
        // The bench's four-rung ladder by wire cost (with ~45 kbit/s of audio), on its 1,380 kbit/s rung before the drop.
        static int Ladder(long estimate) => ((estimate / 1000) - 64) switch
        {
            >= 2_750 => 2_795,
            >= 1_380 => 1_425,
            >= 690 => 735,
            _ => 335,
        };

        using var link = new SimulatedLink(capacityKbps: 2_500, new TransportCcOptions { Probing = true }) { Encoder = Ladder };
        link.Run(TimeSpan.FromSeconds(20));
        Assert.Equal(1_425, Ladder(link.Estimator.EstimateBitsPerSecond));

        link.CapacityKbps = 500;
        link.ResetMaxQueueDelay();
        var elapsed = TimeSpan.Zero;
        for (; elapsed < TimeSpan.FromSeconds(5) && Ladder(link.Estimator.EstimateBitsPerSecond) > 500; elapsed += TimeSpan.FromMilliseconds(50))
        {
            link.Run(TimeSpan.FromMilliseconds(50));
        }

        // Decreases from the last whole acknowledged window (500 ms, from before the drop) took 400 ms and let the queue
        // reach 474 ms; from the arrivals under the overuse, 300 ms and 435 ms. The queue's growth at 1.4 Mbit/s into
        // 500 kbit/s (1.85 s a second) is what the rest costs.
        output.WriteLine($"under the cap {elapsed.TotalMilliseconds} ms after the drop; the queue peaked at {link.MaxQueueDelay.TotalMilliseconds:0} ms");
        Assert.Equal(335, Ladder(link.Estimator.EstimateBitsPerSecond));
        Assert.True(elapsed <= TimeSpan.FromMilliseconds(300), $"under the cap after {elapsed.TotalMilliseconds} ms");
        Assert.True(link.MaxQueueDelay < TimeSpan.FromMilliseconds(450), $"queue peaked at {link.MaxQueueDelay.TotalMilliseconds} ms");
    }
}
