using CallBot.Rtc.Bwe;
using CallBot.Rtc.Rtcp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Bwe;

/// <summary>
/// The GCC send-side estimator on a <see cref="FakeTimeProvider"/>, fed by the real transport-cc parts: a sender stamps
/// packets (<see cref="TransportSendHistory"/>), a simulated bottleneck queue delivers them, the receiver's
/// <see cref="TransportArrivalRecorder"/> builds feedback every 50 ms, which goes through the RTCP wire format and back.
/// </summary>
public sealed class SendSideBandwidthEstimatorTests
{
    [Fact]
    public void Overuse_decreases_the_estimate_under_a_bottleneck_within_5_seconds()
    {
        var link = new SimulatedLink(capacityKbps: 2_500);
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
        var link = new SimulatedLink(capacityKbps: 500);
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
        var link = new SimulatedLink(capacityKbps: 50_000) { LossEvery = 5 };
        link.Run(TimeSpan.FromSeconds(3));

        Assert.InRange(link.Estimator.LossFraction, 0.15, 0.25);
        Assert.True(link.Estimator.EstimateBitsPerSecond < 1_000_000, $"{link.Estimator.EstimateBitsPerSecond}");
        Assert.Equal(0, link.Estimator.Decreases);
    }

    [Fact]
    public void Without_congestion_an_application_limited_sender_does_not_let_the_estimate_float_away()
    {
        var link = new SimulatedLink(capacityKbps: 50_000, new TransportCcOptions { StartBitrateKbps = 300 }) { SendRateKbps = 300 };
        link.Run(TimeSpan.FromSeconds(20));

        // 1.5 × the acknowledged 300 kbit/s + 10 kbit/s at most: a rate the path was never shown to carry is not assumed.
        Assert.InRange(link.Estimator.EstimateBitsPerSecond, 300_000, 470_000);
        Assert.Equal(BandwidthUsage.Normal, link.Estimator.DelayState);
    }

    [Fact]
    public void A_sender_well_below_the_estimate_is_application_limited_from_the_feedback()
    {
        // The estimate starts at 1.5 Mbit/s; the encoder sends 300 kbit/s on a wide path: far below 65 % of it.
        var link = new SimulatedLink(capacityKbps: 50_000) { SendRateKbps = 300 };
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
        new TransportCcOptions().Validate();
    }

    /// <summary>A sender at the estimate (or a fixed rate), a bottleneck queue of a given capacity, 25 ms one way, feedback every 50 ms.</summary>
    private sealed class SimulatedLink(int capacityKbps, TransportCcOptions? options = null)
    {
        private const int PacketSize = 1200;
        private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(5);
        private readonly FakeTimeProvider _time = new();
        private readonly TransportSendHistory _sent = new();
        private readonly TransportArrivalRecorder _arrivals = new();
        private readonly Queue<(long ArrivalMicroseconds, ushort Sequence)> _inFlight = new();
        private readonly SentPacketResult[] _results = new SentPacketResult[TransportSendHistory.Capacity];
        private readonly byte[] _wire = new byte[1500];
        private double _credit;
        private long _queueFreeAt;
        private long _now;
        private int _packets;
        private SendSideBandwidthEstimator? _estimator;

        public int CapacityKbps { get; set; } = capacityKbps;

        public int? SendRateKbps { get; init; }

        public int LossEvery { get; init; }

        public SendSideBandwidthEstimator Estimator => _estimator ??= new SendSideBandwidthEstimator(options ?? new TransportCcOptions(), _time);

        private TimeSpan QueueDelay => TimeSpan.FromTicks(Math.Max(0, _queueFreeAt - _now) * 10);

        public void Run(TimeSpan duration)
        {
            for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += Step)
            {
                var rate = SendRateKbps * 1000.0 ?? Estimator.EstimateBitsPerSecond;
                _credit += rate * Step.TotalSeconds / (PacketSize * 8);
                for (; _credit >= 1; _credit--)
                {
                    var sequence = _sent.Stamp(PacketSize, _time.GetTimestamp());
                    _queueFreeAt = Math.Max(_queueFreeAt, _now) + (long)(PacketSize * 8.0 / CapacityKbps * 1000);
                    if (LossEvery == 0 || ++_packets % LossEvery != 0)
                    {
                        _inFlight.Enqueue((_queueFreeAt + 25_000, sequence));
                    }
                }

                _time.Advance(Step);
                _now += (long)Step.TotalMicroseconds;
                while (_inFlight.TryPeek(out var next) && next.ArrivalMicroseconds <= _now)
                {
                    _inFlight.Dequeue();
                    _arrivals.Record(next.Sequence, next.ArrivalMicroseconds);
                }

                if (_now % 50_000 == 0 && _arrivals.TakeFeedback(1, 2) is { } built)
                {
                    Assert.True(built.TryWrite(_wire, out var written));
                    Assert.True(TransportCc.TryParse(_wire.AsSpan(0, written), out var feedback, out _));
                    var n = _sent.Match(feedback!, _results);
                    Estimator.OnFeedback(_results.AsSpan(0, n));
                    if (Environment.GetEnvironmentVariable("TCC_TRACE") is not null && _now % 500_000 == 0)
                    {
                        Console.Error.WriteLine($"t={_now / 1000} n={n}/{built.Packets.Count} est={Estimator.EstimateBitsPerSecond} delay={Estimator.DelayBasedBitsPerSecond} acked={Estimator.AckedBitsPerSecond} state={Estimator.DelayState} loss={Estimator.LossFraction} q={QueueDelay.TotalMilliseconds}");
                    }
                }
            }
        }
    }
}
