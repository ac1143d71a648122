using CallBot.Rtc.Bwe;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>
/// GCC probing on a <see cref="FakeTimeProvider"/>: the controller's triggers and bounds, the prober's timing, the result
/// from a cluster's feedback, and the estimator with all of them over a simulated bottleneck (<see cref="SimulatedLink"/>).
/// </summary>
public sealed class ProbingTests(ITestOutputHelper output)
{
    private const int BytesPerPacket = 1200;

    // Probing is off by default (TransportCcOptions.Probing): these tests are about it.
    private static readonly TransportCcOptions WithProbing = new() { Probing = true };

    [Fact]
    public void Initial_probes_at_3x_and_6x_the_start_rate_find_a_wide_path_within_a_second()
    {
        using var link = new SimulatedLink(capacityKbps: 50_000, WithProbing);
        link.Run(TimeSpan.FromSeconds(1));

        // 4.5 and 9 Mbit/s asked, the second capped at the 5 Mbit/s probing limit; AIMD alone would be at ~1.6 Mbit/s.
        Assert.Equal(2, link.Prober.ClustersSent);
        Assert.True(link.Estimator.EstimateBitsPerSecond >= 4_000_000, $"{link.Estimator.EstimateBitsPerSecond}");
        Assert.InRange(link.Estimator.ProbesApplied, 1, 2);
        // Padding fills what the media sent meanwhile leaves of 15 ms at each rate: less than both clusters' whole size.
        Assert.InRange(link.ProbeBytesSent, 1, 2 * 12_000);
    }

    [Fact]
    public void Initial_probes_through_a_narrow_path_measure_the_bottleneck()
    {
        using var link = new SimulatedLink(capacityKbps: 2_500, WithProbing);
        link.Run(TimeSpan.FromSeconds(1.5));

        Assert.True(link.Estimator.ProbesApplied > 0);
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 1_800_000, 2_600_000);
    }

    [Fact]
    public void After_a_bottleneck_rises_from_500_kbps_to_2_5_Mbps_the_rate_is_back_to_85_percent_within_10_seconds()
    {
        using var probing = new SimulatedLink(capacityKbps: 2_500, WithProbing);
        using var aimdOnly = new SimulatedLink(capacityKbps: 2_500, new TransportCcOptions { Probing = false });
        foreach (var link in (SimulatedLink[])[probing, aimdOnly])
        {
            link.Run(TimeSpan.FromSeconds(20));
            link.CapacityKbps = 500;
            link.Run(TimeSpan.FromSeconds(20));
            Assert.InRange(link.Estimator.EstimateBitsPerSecond, 150_000, 600_000);
            link.CapacityKbps = 2_500;
        }

        var rateBeforeDrop = 2_500_000;
        var (recovered, sentKbps) = RunUntilRecovered(probing, 0.85 * rateBeforeDrop, TimeSpan.FromSeconds(10));
        output.WriteLine($"85 % of 2.5 Mbit/s after {recovered?.TotalSeconds:0.0} s; {sentKbps:0} kbit/s sent in the 10th second");
        Assert.True(recovered is not null, $"estimate {probing.Estimator.EstimateBitsPerSecond} after 10 s");
        Assert.True(sentKbps >= 0.85 * 2_500 * 0.9, $"sent {sentKbps} kbit/s in the last second"); // the sender follows the estimate
        Assert.True(probing.Estimator.ProbesApplied > 0);

        // AIMD alone (8 %/s, additive near the last congestion point) is still far from it after the same 10 s.
        var (aimdRecovered, _) = RunUntilRecovered(aimdOnly, 0.85 * rateBeforeDrop, TimeSpan.FromSeconds(10));
        Assert.Null(aimdRecovered);
    }

    [Fact]
    public void An_application_limited_ladder_is_probed_back_to_its_top_step_after_the_bottleneck_rises()
    {
        // Two renditions: 632 kbit/s (with audio) needs 664 kbit/s of estimate, else 332. On the low step the estimate is held
        // at 1.5 × 332 + 10 = 508 kbit/s by the acknowledged rate: without probes it never reaches the top step again.
        static int Ladder(long estimate) => estimate >= 664_000 ? 632 : 332;
        using var probing = new SimulatedLink(capacityKbps: 2_500, WithProbing) { Encoder = Ladder };
        using var aimdOnly = new SimulatedLink(capacityKbps: 2_500, new TransportCcOptions { Probing = false }) { Encoder = Ladder };
        foreach (var link in (SimulatedLink[])[probing, aimdOnly])
        {
            link.Run(TimeSpan.FromSeconds(10));
            Assert.Equal(632, Ladder(link.Estimator.EstimateBitsPerSecond));
            link.CapacityKbps = 500;
            link.Run(TimeSpan.FromSeconds(20));
            Assert.Equal(332, Ladder(link.Estimator.EstimateBitsPerSecond));
            link.CapacityKbps = 2_500;
        }

        var (recovered, _) = RunUntilRecovered(probing, 664_000, TimeSpan.FromSeconds(10));
        output.WriteLine($"top step after {recovered?.TotalSeconds:0.0} s");
        Assert.True(recovered is not null, $"estimate {probing.Estimator.EstimateBitsPerSecond} after 10 s");
        probing.Run(TimeSpan.FromSeconds(5));
        Assert.Equal(632, Ladder(probing.Estimator.EstimateBitsPerSecond)); // and it stays there

        aimdOnly.Run(TimeSpan.FromSeconds(20));
        Assert.Equal(332, Ladder(aimdOnly.Estimator.EstimateBitsPerSecond)); // ~1.5 × 332 kbit/s: stuck on the low step
    }

    [Fact]
    public void A_four_rung_ladder_gets_under_a_500_kbps_cap_within_5_s_and_back_to_its_rung_within_10_s_of_the_rise()
    {
        // The bandwidth-step bench's bot: VideoLadder.FourStep of 1280x720 at 2.5 Mbit/s, chosen by wire cost against
        // the estimate less the 64 kbit/s audio allowance, plus ~45 kbit/s of Opus on the wire. The top rung costs more
        // than the link, so the sender sits on the 1,380 kbit/s one before the drop.
        static int Ladder(long estimate)
        {
            var video = (estimate / 1000) - 64;
            var rung = 290;
            foreach (var cost in (ReadOnlySpan<int>)[690, 1_380, 2_750])
            {
                rung = cost <= video ? cost : rung;
            }

            return rung + 45;
        }

        using var probing = new SimulatedLink(capacityKbps: 2_500, WithProbing) { Encoder = Ladder };
        using var aimdOnly = new SimulatedLink(capacityKbps: 2_500, new TransportCcOptions { Probing = false }) { Encoder = Ladder };
        foreach (var link in (SimulatedLink[])[probing, aimdOnly])
        {
            link.Run(TimeSpan.FromSeconds(20));
            Assert.Equal(1_425, Ladder(link.Estimator.EstimateBitsPerSecond));
            link.CapacityKbps = 500;
            var under = SecondsUntil(link, kbps => kbps <= 500, 20);
            output.WriteLine($"under the cap after {under} s");
            Assert.InRange(under ?? 99, 1, 5);
            link.Run(TimeSpan.FromSeconds(20 - under!.Value));
            Assert.Equal(335, Ladder(link.Estimator.EstimateBitsPerSecond)); // the bottom rung: under the cap with room to drain
            link.CapacityKbps = 2_500;
        }

        var recovered = SecondsUntil(probing, kbps => kbps >= 0.85 * 1_425, 10);
        output.WriteLine($"back on the 1,380 kbit/s rung after {recovered} s");
        Assert.NotNull(recovered);
        Assert.Null(SecondsUntil(aimdOnly, kbps => kbps >= 0.85 * 1_425, 20)); // held at 1.5 × the acknowledged rate
    }

    [Fact]
    public void A_cluster_through_a_narrower_link_measures_95_percent_of_its_receive_rate()
    {
        var time = new FakeTimeProvider();
        var estimator = new ProbeBitrateEstimator(time);
        var cluster = new ProbeCluster(7, 4_000_000, 5, 7_500);
        estimator.Register(cluster);

        // Sent every 2.4 ms (4 Mbit/s), arriving every 4.8 ms (2 Mbit/s).
        for (var i = 0; i < 8; i++)
        {
            estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 100_000 + (i * 4_800), cluster.Id));
            time.Advance(TimeSpan.FromMicroseconds(2_400));
        }

        Assert.True(estimator.TryTake(out var bps));
        Assert.InRange(bps, 0.95 * 2_000_000 * 0.99, 0.95 * 2_000_000 * 1.01);
        Assert.False(estimator.TryTake(out _)); // taken once
        Assert.Equal(1, estimator.Results);
    }

    [Fact]
    public void A_cluster_the_path_carries_measures_its_send_rate_and_too_few_packets_measure_nothing()
    {
        var time = new FakeTimeProvider();
        var estimator = new ProbeBitrateEstimator(time);
        estimator.Register(new ProbeCluster(1, 4_000_000, 5, 7_500));
        estimator.Register(new ProbeCluster(2, 4_000_000, 5, 7_500));
        for (var i = 0; i < 8; i++)
        {
            estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 50_000 + (i * 2_400), 1));
            if (i < 3)
            {
                estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 60_000 + (i * 2_400), 2));
            }

            estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 70_000 + (i * 2_400))); // media: ignored
            time.Advance(TimeSpan.FromMicroseconds(2_400));
        }

        Assert.True(estimator.TryTake(out var bps));
        Assert.InRange(bps, 3_960_000, 4_040_000);
        Assert.Equal(1, estimator.Results); // cluster 2: 3 of 5 packets, below 80 %
    }

    [Fact]
    public void A_cluster_never_measures_more_than_its_own_rate_when_its_packets_leave_and_arrive_bunched()
    {
        // A 1 Mbit/s cluster whose timer ran late: its 6 packets left 0.4 ms apart and arrived 0.5 ms apart (a receiver
        // reading its socket in batches), i.e. 24 and 19 Mbit/s apparent. The path was only shown to carry 1 Mbit/s.
        var time = new FakeTimeProvider();
        var estimator = new ProbeBitrateEstimator(time);
        estimator.Register(new ProbeCluster(5, 1_000_000, 5, 1_875));
        for (var i = 0; i < 6; i++)
        {
            estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 20_000 + (i * 500), 5));
            time.Advance(TimeSpan.FromMicroseconds(400));
        }

        Assert.True(estimator.TryTake(out var bps));
        Assert.Equal(1_000_000, bps);
    }

    [Fact]
    public void Arrivals_bunched_tighter_than_twice_the_send_rate_are_no_result()
    {
        var time = new FakeTimeProvider();
        var estimator = new ProbeBitrateEstimator(time);
        estimator.Register(new ProbeCluster(3, 1_000_000, 5, 1_875));
        for (var i = 0; i < 6; i++)
        {
            estimator.OnPacket(new SentPacketResult(time.GetTimestamp(), BytesPerPacket, 10_000 + (i * 100), 3));
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.False(estimator.TryTake(out _));
        time.Advance(ProbeBitrateEstimator.ClusterLifetime);
        Assert.False(estimator.TryTake(out _));
        Assert.Equal(1, estimator.Invalid);
    }

    [Fact]
    public void The_prober_sends_a_cluster_at_its_rate_for_at_least_15_ms_and_stops_its_timer_after()
    {
        var time = new FakeTimeProvider();
        var sends = new List<(long At, int Cluster)>();
        using var prober = new ProbeSender(time, id =>
        {
            sends.Add((time.GetTimestamp(), id));
            return BytesPerPacket;
        });
        var cluster = new ProbeCluster(4, 4_000_000, ProbeController.MinProbePackets, 7_500);

        Assert.True(prober.Enqueue(cluster));
        for (var i = 0; i < 40; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(7, sends.Count); // ⌈7,500 / 1,200⌉
        Assert.All(sends, s => Assert.Equal(4, s.Cluster));
        var seconds = time.GetElapsedTime(sends[0].At, sends[^1].At).TotalSeconds;
        var rate = (sends.Count - 1) * BytesPerPacket * 8 / seconds;
        Assert.InRange(rate, 3_500_000, 5_000_000);
        Assert.Equal(1, prober.ClustersSent);
        Assert.False(prober.Busy);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(7, sends.Count);
    }

    [Fact]
    public void A_cluster_with_nothing_to_send_is_abandoned_and_the_next_one_goes()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        using var prober = new ProbeSender(time, id => ++calls == 1 ? 0 : BytesPerPacket);
        prober.Enqueue(new ProbeCluster(1, 1_000_000, 5, 1_875));
        prober.Enqueue(new ProbeCluster(2, 1_000_000, 5, 1_875));
        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(1, prober.ClustersDropped);
        Assert.Equal(1, prober.ClustersSent);
        Assert.Equal(5, prober.PacketsSent);
    }

    [Fact]
    public void Probes_are_capped_at_the_probing_limit_and_twice_the_application_maximum_and_budgeted_per_window()
    {
        var time = new FakeTimeProvider();
        var controller = new ProbeController(WithProbing, time);
        controller.OnTransportReady();
        var clusters = TakeAll(controller);
        Assert.Equal([4_500_000L, 5_000_000L], clusters.Select(c => c.BitsPerSecond));
        Assert.All(clusters, c =>
        {
            Assert.Equal(ProbeController.MinProbePackets, c.MinPackets);
            Assert.Equal((int)Math.Ceiling(c.BitsPerSecond * 0.015 / 8), c.MinBytes);
        });

        // The application's maximum rises four times in a row (each above the estimate): each is probed, capped at 2 × it,
        // until 6 clusters were started within 10 s.
        controller.OnEstimate(1_000_000);
        time.Advance(ProbeController.ResultTimeout + TimeSpan.FromMilliseconds(1));
        controller.Process(null);
        controller.SetApplicationMax(1_200_000);
        foreach (var max in (long[])[1_400_000, 1_600_000, 1_800_000, 2_000_000, 2_200_000])
        {
            controller.SetApplicationMax(max);
        }

        clusters = TakeAll(controller);
        Assert.Equal([1_400_000L, 1_600_000L, 1_800_000L, 2_000_000L], clusters.Select(c => c.BitsPerSecond));
        Assert.Equal(1, controller.Suppressed);
        Assert.Equal(4_400_000, controller.MaxProbeBitsPerSecond);

        // 10 s later the budget is back.
        time.Advance(ProbeController.ClusterWindow);
        controller.SetApplicationMax(2_400_000);
        Assert.Equal(2_400_000, Assert.Single(TakeAll(controller)).BitsPerSecond);
    }

    [Fact]
    public void An_application_limited_sender_is_probed_at_twice_the_estimate_every_5_seconds()
    {
        var time = new FakeTimeProvider();
        var controller = new ProbeController(new TransportCcOptions { Probing = true, StartBitrateKbps = 300 }, time);
        controller.OnTransportReady();
        TakeAll(controller);
        controller.OnEstimate(600_000); // below 70 % of the last probe: no further probing
        Assert.Empty(TakeAll(controller));

        var since = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(4.9));
        controller.Process(since);
        Assert.Empty(TakeAll(controller));

        time.Advance(TimeSpan.FromSeconds(0.2));
        controller.Process(since);
        Assert.Equal(1_200_000, Assert.Single(TakeAll(controller)).BitsPerSecond);
        controller.Process(since);
        Assert.Empty(TakeAll(controller));
    }

    [Fact]
    public void After_a_large_drop_the_recovery_probe_asks_for_85_percent_of_the_rate_before_it_at_most_every_5_seconds()
    {
        var time = new FakeTimeProvider();
        var controller = new ProbeController(WithProbing, time);
        controller.OnTransportReady();
        TakeAll(controller);
        controller.OnEstimate(2_400_000);
        time.Advance(TimeSpan.FromSeconds(2));
        controller.Process(null);
        TakeAll(controller);

        controller.OnEstimate(500_000); // below 66 %: a large drop
        controller.OnRecoveredFromOveruse();
        Assert.Equal(2_040_000, Assert.Single(TakeAll(controller)).BitsPerSecond);

        time.Advance(TimeSpan.FromSeconds(4));
        controller.OnRecoveredFromOveruse();
        Assert.Empty(TakeAll(controller));
        time.Advance(TimeSpan.FromSeconds(1));
        controller.Process(null, detectorNormal: false);
        Assert.Empty(TakeAll(controller)); // remembered, but the queue is not drained
        controller.Process(null, detectorNormal: true);
        Assert.Single(TakeAll(controller));

        time.Advance(ProbeController.RecoveryWindow);
        controller.OnRecoveredFromOveruse();
        Assert.Empty(TakeAll(controller));
    }

    [Fact]
    public void Probing_off_sends_nothing()
    {
        using var link = new SimulatedLink(capacityKbps: 50_000, new TransportCcOptions { Probing = false });
        link.Run(TimeSpan.FromSeconds(2));
        Assert.Equal(0, link.Estimator.Probes.Clusters);
        Assert.Equal(0, link.ProbeBytesSent);
    }

    private static List<ProbeCluster> TakeAll(ProbeController controller)
    {
        var clusters = new List<ProbeCluster>();
        while (controller.TryTake(out var cluster))
        {
            clusters.Add(cluster);
        }

        return clusters;
    }

    /// <summary>Runs whole seconds until one whose sent rate (kbit/s) meets <paramref name="done"/>: the seconds it took, null after <paramref name="limit"/>.</summary>
    private static int? SecondsUntil(SimulatedLink link, Func<double, bool> done, int limit)
    {
        for (var second = 1; second <= limit; second++)
        {
            var before = link.BytesSent;
            link.Run(TimeSpan.FromSeconds(1));
            if (done((link.BytesSent - before) * 8 / 1000.0))
            {
                return second;
            }
        }

        return null;
    }

    /// <summary>Runs in 100 ms steps until the estimate reaches <paramref name="target"/> (the time it took) or <paramref name="limit"/> passed (null).</summary>
    private static (TimeSpan? After, double SentKbpsLastSecond) RunUntilRecovered(SimulatedLink link, double target, TimeSpan limit)
    {
        TimeSpan? after = null;
        var step = TimeSpan.FromMilliseconds(100);
        var bytesAt = new Queue<long>();
        for (var elapsed = TimeSpan.Zero; elapsed < limit; elapsed += step)
        {
            bytesAt.Enqueue(link.BytesSent);
            if (bytesAt.Count > 10)
            {
                bytesAt.Dequeue();
            }

            link.Run(step);
            if (after is null && link.Estimator.EstimateBitsPerSecond >= target)
            {
                after = elapsed + step;
            }
        }

        return (after, (link.BytesSent - bytesAt.Peek()) * 8 / 1000.0);
    }
}
