using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Interceptors;

/// <summary>The NACK generator's retry spacing, retry limit and request budget, on a <see cref="FakeTimeProvider"/>.</summary>
public sealed class NackBudgetTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(40);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_sequence_number_is_asked_again_only_after_a_round_trip()
    {
        var receiver = Receiver();
        var nacks = new NackGenerator(_time, Interval) { RoundTripTime = TimeSpan.FromMilliseconds(100) };
        var missing = new ushort[64];
        receiver.Receive(Packet(10), out _);
        receiver.Receive(Packet(12), out _);
        Assert.Equal(1, nacks.Collect(receiver, missing));
        Assert.Equal(11, missing[0]);

        _time.Advance(TimeSpan.FromMilliseconds(60));     // past the 40 ms interval, inside the round trip
        receiver.Receive(Packet(14), out _);              // a new gap is asked for at once
        Assert.Equal(1, nacks.Collect(receiver, missing));
        Assert.Equal(13, missing[0]);

        _time.Advance(TimeSpan.FromMilliseconds(50));     // 110 ms after the first ask: 11 again, 13 not yet
        Assert.Equal(1, nacks.Collect(receiver, missing));
        Assert.Equal(11, missing[0]);
        Assert.Equal(3, nacks.Requested);
    }

    [Fact]
    public void A_sequence_number_is_given_up_after_the_retry_limit()
    {
        var receiver = Receiver();
        var nacks = new NackGenerator(_time, Interval) { RoundTripTime = TimeSpan.FromMilliseconds(20) };
        var missing = new ushort[64];
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);
        var asks = 0;
        for (var tick = 0; tick < 3 * NackGenerator.MaxRetries; tick++)
        {
            asks += nacks.Collect(receiver, missing);
            _time.Advance(Interval);
        }

        Assert.Equal(NackGenerator.MaxRetries, asks);
        Assert.Equal(1, nacks.Abandoned);
    }

    [Fact]
    public void The_budget_caps_the_request_rate_and_defers_the_rest()
    {
        var receiver = Receiver();
        var nacks = new NackGenerator(_time, Interval) { RoundTripTime = TimeSpan.FromMilliseconds(20) };
        var missing = new ushort[256];
        receiver.Receive(Packet(0), out _);
        receiver.Receive(Packet(301), out _);              // 300 lost at once

        Assert.Equal(NackGenerator.MaxBurst, nacks.Collect(receiver, missing));
        Assert.Equal(1, missing[0]);                        // oldest first
        var asked = (long)NackGenerator.MaxBurst;
        for (var tick = 0; tick < 25; tick++)               // one second of ticks
        {
            _time.Advance(Interval);
            asked += nacks.Collect(receiver, missing);
        }

        // Over the second: the burst plus the refill, never more, though 300 numbers wanted up to 10 asks each.
        Assert.InRange(asked, NackGenerator.MaxRequestsPerSecond, NackGenerator.MaxBurst + NackGenerator.MaxRequestsPerSecond);
        Assert.True(nacks.Deferred > 0);
    }

    [Fact]
    public void Without_a_round_trip_it_retries_every_interval()
    {
        var receiver = Receiver();
        var nacks = new NackGenerator(_time, Interval);
        var missing = new ushort[64];
        receiver.Receive(Packet(1), out _);
        receiver.Receive(Packet(3), out _);
        Assert.Equal(1, nacks.Collect(receiver, missing));
        _time.Advance(Interval);
        Assert.Equal(1, nacks.Collect(receiver, missing));
    }

    private RtpStreamReceiver Receiver()
        => new(7, new RtpStreamReceiverOptions { MaxGapWait = TimeSpan.FromSeconds(5) }, new InterceptorStageTests.NullConsumer(), _time);

    private static byte[] Packet(ushort seq) => InterceptorStageTests.Packet(seq);
}
