using CallBot.Abstractions;
using CallBot.Recording.Sync;

namespace CallBot.Recording.Tests.Unit;

public sealed class StreamClockTests
{
    private const long T0 = 1_764_072_000_000_000; // 2025-11-25T12:00:00Z in µs

    [Fact]
    public void Before_any_sender_report_the_first_arrival_anchors_the_stream()
    {
        var clock = new StreamClock(90_000);
        Assert.Equal(T0, clock.ToWallMicroseconds(1000, T0));
        Assert.Equal(T0 + 1_000_000, clock.ToWallMicroseconds(1000 + 90_000, T0 + 1_050_000)); // jitter ignored
        Assert.False(clock.Synchronized);
    }

    [Fact]
    public void Sender_report_before_the_first_frame_maps_exactly_even_across_rtp_wrap()
    {
        var clock = new StreamClock(48_000);
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0), 0xFFFF_FF00);
        var ts = 0x1_0000_0000L + 0x100 + 48_000; // unwrapped, 512 ticks + 1 s after the SR
        var expected = T0 + (512 + 48_000) * 1_000_000L / 48_000;
        Assert.InRange(clock.ToWallMicroseconds(ts, T0 + 5_000_000), expected - 1, expected + 1);
        Assert.True(clock.Synchronized);
    }

    [Fact]
    public void First_sender_report_after_arrival_anchoring_is_slewed_in_without_a_jump()
    {
        var clock = new StreamClock(48_000);
        long ts = 0;
        long previous = clock.ToWallMicroseconds(ts, T0);
        // The sender says the first frame was captured 150 ms before it arrived.
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0 - 150_000 + 20_000), 960);
        for (var i = 1; i <= 100; i++)
        {
            ts += 960;
            var wall = clock.ToWallMicroseconds(ts, T0 + i * 20_000);
            var step = wall - previous;
            Assert.InRange(step, 20_000 - 2_000, 20_000); // at most 10 % slew per frame, never backwards
            previous = wall;
        }

        Assert.Equal(-150_000, clock.LastCorrectionUs);
        Assert.Equal(0, clock.PendingOffsetUs);
        Assert.Equal(T0 - 150_000 + 100 * 20_000, previous); // converged on the SR mapping
    }

    [Fact]
    public void A_timestamp_jump_re_anchors_on_arrival_and_forgets_the_stale_report()
    {
        var clock = new StreamClock(90_000);
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0), 0);
        for (var i = 0; i < 30; i++)
        {
            clock.ToWallMicroseconds(i * 3000, T0 + 40_000 + i * 33_333);
        }

        var wall = clock.ToWallMicroseconds(50_000_000, T0 + 40_000 + 30 * 33_333);
        Assert.Equal(1, clock.TimestampJumps);
        Assert.False(clock.Synchronized);
        Assert.InRange(wall, T0 + 30 * 33_333 - 1000, T0 + 30 * 33_333 + 1000);
        Assert.InRange(clock.ToWallMicroseconds(50_003_000, T0 + 40_000 + 31 * 33_333), wall + 33_000, wall + 34_000);
    }

    [Fact]
    public void Restart_keeps_the_arrival_relationship()
    {
        var clock = new StreamClock(90_000);
        clock.ToWallMicroseconds(0, T0);
        clock.ToWallMicroseconds(3000, T0 + 33_333);
        clock.Restart();
        var wall = clock.ToWallMicroseconds(777_777, T0 + 66_666);
        Assert.InRange(wall, T0 + 66_000, T0 + 67_000);
        Assert.Equal(0, clock.TimestampJumps);
    }

    [Theory]
    [InlineData(90_000, 3000, false)] // video, 30 fps, unslewed
    [InlineData(48_000, 960, true)] // audio, 20 ms
    public void Sender_reports_made_late_by_a_slow_send_do_not_move_the_stream(int clockRate, int frameTicks, bool slew)
    {
        // The sender extrapolates each SR's RTP timestamp from its last packet; when that packet left late (a paced
        // keyframe, a busy thread), the SR maps every timestamp later by that much. Every other SR here is 60 ms late:
        // the stream must stay on the exact mapping, not jump (or slew) 60 ms back and forth.
        var clock = new StreamClock(clockRate, slew: slew);
        var framesPerSecond = clockRate / frameTicks;
        long ts = 5_000;
        for (var second = 0; second < 12; second++)
        {
            var late = second % 2 == 1 ? 60_000 : 0;
            var srTs = ts + frameTicks / 2;
            clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0 + second * 1_000_000 + (frameTicks / 2 * 1_000_000L / clockRate) + late), (uint)srTs);
            for (var f = 0; f < framesPerSecond; f++)
            {
                var captureUs = T0 + (ts - 5_000) * 1_000_000 / clockRate;
                var wall = clock.ToWallMicroseconds(ts, captureUs + 10_000);
                Assert.InRange(wall - captureUs, -1_000, 1_000);
                ts += frameTicks;
            }
        }

        Assert.Equal(0, clock.PendingOffsetUs);
    }

    [Fact]
    public void A_late_first_sender_report_is_replaced_by_an_earlier_mapping_when_one_arrives()
    {
        // The first SR came 40 ms late (it followed a paced keyframe); the next is exact. The stream moves to the exact
        // mapping (as a correction the recorder slews or absorbs) and then stays there through later late SRs.
        var clock = new StreamClock(90_000, slew: false);
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0 + 40_000), 0);
        clock.ToWallMicroseconds(0, T0 + 45_000);
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0 + 1_000_000), 90_000);
        clock.ToWallMicroseconds(90_000, T0 + 1_005_000);
        Assert.Equal(-40_000, clock.LastCorrectionUs);
        clock.OnSenderReport(NtpTime.FromUnixMicroseconds(T0 + 2_030_000), 180_000);
        clock.ToWallMicroseconds(180_000, T0 + 2_005_000);
        Assert.Equal(0, clock.LastCorrectionUs);
    }

    [Fact]
    public void Before_any_sender_report_a_late_first_arrival_is_replaced_by_the_earliest_one()
    {
        // The first audio frames arrive 60 ms late in a burst (released once SRTP came up), later ones on time. Frames
        // are never early, so the mapping must settle on the on-time arrivals: the 60 ms becomes a correction the
        // recorder slews in (here unslewed: output continuous, PendingOffset holds it).
        var clock = new StreamClock(48_000, slew: false);
        for (var i = 0; i < 3; i++)
        {
            clock.ToWallMicroseconds(i * 960, T0 + 60_000 + i * 1_000);
        }

        for (var i = 3; i < 50; i++)
        {
            clock.ToWallMicroseconds(i * 960, T0 + i * 20_000 + 500);
        }

        Assert.InRange(clock.PendingOffsetUs, 56_000, 60_000);
        Assert.False(clock.Synchronized);
        Assert.Equal(0, clock.TimestampJumps);
    }
}
