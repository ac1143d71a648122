using CallBot.Rtc.Bwe;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Interceptors;

/// <summary>The receive-side interceptor stages, each alone on a <see cref="FakeTimeProvider"/>.</summary>
public sealed class InterceptorStageTests
{
    private static readonly TimeSpan NackInterval = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan PliInterval = TimeSpan.FromMilliseconds(500);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Nack_generator_asks_for_a_new_gap_at_once_then_once_per_interval_until_it_is_filled()
    {
        var receiver = new RtpStreamReceiver(7, new RtpStreamReceiverOptions { MaxGapWait = TimeSpan.FromSeconds(1) }, new NullConsumer(), _time);
        var nacks = new NackGenerator(_time, NackInterval);
        Span<ushort> missing = stackalloc ushort[16];
        receiver.Receive(Packet(100), out _);
        Assert.Equal(0, nacks.Collect(receiver, missing)); // nothing missing: the interval is not spent

        receiver.Receive(Packet(103), out _);
        Assert.Equal(2, nacks.Collect(receiver, missing));
        Assert.Equal([101, 102], missing[..2].ToArray());

        _time.Advance(NackInterval - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, nacks.Collect(receiver, missing)); // rate limited

        receiver.Receive(Packet(101), out _);             // a retransmission filled one
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, nacks.Collect(receiver, missing)); // the other is asked for again
        Assert.Equal(102, missing[0]);

        receiver.Receive(Packet(102), out _);
        _time.Advance(NackInterval);
        Assert.Equal(0, nacks.Collect(receiver, missing));
        Assert.Equal(2, nacks.NacksSent);
    }

    [Fact]
    public void Pli_repeats_every_interval_until_the_first_keyframe_and_only_while_media_arrives()
    {
        var pli = new KeyFrameRequester(_time, PliInterval, wantedAtStart: true);
        Assert.False(pli.ShouldRequest(mediaArriving: false, forced: false)); // nothing to decode yet
        Assert.True(pli.ShouldRequest(mediaArriving: true, forced: false));
        _time.Advance(PliInterval - TimeSpan.FromMilliseconds(1));
        Assert.False(pli.ShouldRequest(true, false));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(pli.ShouldRequest(true, false));

        pli.OnKeyFrame();
        _time.Advance(PliInterval);
        Assert.False(pli.ShouldRequest(true, false));
        Assert.Equal(2, pli.PlisSent);
    }

    [Fact]
    public void Pli_after_unrepaired_loss_goes_out_at_once_and_a_forced_one_ignores_the_interval_but_not_the_minimum_spacing()
    {
        var pli = new KeyFrameRequester(_time, PliInterval, wantedAtStart: false);
        Assert.False(pli.ShouldRequest(true, false));
        pli.OnKeyFrameNeeded();
        Assert.True(pli.ShouldRequest(true, false));
        Assert.False(pli.ShouldRequest(true, forced: true));  // kept: the last PLI is too recent
        Assert.False(pli.ShouldRequest(true, forced: true));  // merged into the one kept
        _time.Advance(KeyFrameRequester.MinRequestInterval);
        Assert.True(pli.ShouldRequest(true, false));          // the kept request goes out, well before the repeat interval
        Assert.False(pli.ShouldRequest(true, false));
        _time.Advance(KeyFrameRequester.MinRequestInterval);
        Assert.True(pli.ShouldRequest(false, forced: true));  // forced needs no media and no repeat interval
        Assert.Equal(3, pli.PlisSent);
        Assert.Equal(1, pli.RequestsMerged);
    }

    [Fact]
    public void Reports_follow_the_rfc3550_randomized_interval()
    {
        var interval = TimeSpan.FromSeconds(1);
        var reports = new ReportScheduler(_time, interval, new Random(3));
        Assert.True(reports.IsDue()); // the first at once
        var delays = new List<TimeSpan>();
        for (var i = 0; i < 200; i++)
        {
            var delay = reports.LastDelay;
            delays.Add(delay);

            // 0.5..1.5 × interval / (e − 3/2)
            Assert.InRange(delay.TotalMilliseconds, 500 / 1.21828, 1500 / 1.21828);
            _time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.False(reports.IsDue());
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(reports.IsDue());
        }

        Assert.InRange(delays.Average(d => d.TotalMilliseconds), 0.9 * 1000 / 1.21828, 1.1 * 1000 / 1.21828);
        Assert.True(delays.Distinct().Count() > 150, "delays are randomized");
        Assert.Equal(201, reports.ReportsDue);
    }

    [Fact]
    public void Running_the_stages_on_every_tick_allocates_nothing()
    {
        var receiver = new RtpStreamReceiver(7, new RtpStreamReceiverOptions { MaxGapWait = TimeSpan.FromSeconds(1) }, new NullConsumer(), _time);
        var nacks = new NackGenerator(_time, NackInterval);
        var pli = new KeyFrameRequester(_time, PliInterval, wantedAtStart: true);
        var reports = new ReportScheduler(_time, TimeSpan.FromSeconds(1), new Random(1));
        var bwe = new ReceiveBandwidthEstimator(_time) { MaxBitrateKbps = 256 };
        var first = Packet(1);
        var afterGap = Packet(5);
        receiver.Receive(first, out _);
        receiver.Receive(afterGap, out _);
        var missing = new ushort[64];
        var tick = TimeSpan.FromMilliseconds(20);
        long found = 0;
        RunTicks(10); // warm up (JIT, first-call paths)

        var before = GC.GetAllocatedBytesForCurrentThread();
        const int Ticks = 10_000;
        RunTicks(Ticks);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AllocationAssert.LessThanOneBytePerOperation(allocated, Ticks, "interceptor ticks");
        Assert.True(found > 0);

        void RunTicks(int count)
        {
            for (var i = 0; i < count; i++)
            {
                _time.Advance(tick);
                found += nacks.Collect(receiver, missing);
                pli.ShouldRequest(mediaArriving: true, forced: false);
                if (reports.IsDue())
                {
                    bwe.Update(receiver.BytesReceived, 0);
                }
            }
        }
    }

    internal static byte[] Packet(ushort seq)
    {
        var header = new RtpHeader { Ssrc = 7, PayloadType = 96, SequenceNumber = seq };
        var buffer = new byte[RtpHeader.FixedSize + 1];
        header.TryWrite(buffer, out _);
        return buffer;
    }

    internal sealed class NullConsumer : IRtpPayloadConsumer
    {
        public void OnRtpPayload(long sequence, in RtpHeader header, ReadOnlySpan<byte> payload)
        {
        }
    }
}
