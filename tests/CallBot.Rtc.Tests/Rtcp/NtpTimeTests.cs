using CallBot.Abstractions;
using CallBot.Rtc.Rtcp;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Rtcp;

public sealed class NtpTimeTests
{
    [Fact]
    public void Unix_epoch_is_2208988800_seconds_after_the_ntp_epoch()
    {
        var ntp = NtpTime.FromDateTime(DateTimeOffset.UnixEpoch);
        Assert.Equal(2208988800UL << 32, ntp);
        Assert.Equal(DateTimeOffset.UnixEpoch, NtpTime.ToDateTime(ntp));
    }

    [Fact]
    public void Half_second_is_half_the_fraction_and_round_trips()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, 500, TimeSpan.Zero));
        var ntp = NtpTime.Now(time);
        Assert.Equal(0x80000000UL, ntp & 0xFFFFFFFF);
        Assert.Equal(time.GetUtcNow(), NtpTime.ToDateTime(ntp));
        Assert.Equal((uint)((ntp >> 16) & 0xFFFFFFFF), NtpTime.Middle32(ntp));
    }

    [Fact]
    public void Round_trip_time_is_arrival_minus_lsr_minus_dlsr()
    {
        // RFC 3550 §6.4.1 example: A=0xb710:8000 (46864.500 s), LSR=0xb705:2000 (46853.125 s), DLSR=0x0005:4000 (5.250 s) → 6.125 s.
        var block = new ReportBlock(1, 0, 0, 0, 0, 0xB7052000, 0x00054000);
        var arrival = 0xB7108000UL << 16;
        Assert.True(RoundTripTime.TryCompute(block, arrival, out var rtt));
        Assert.Equal(TimeSpan.FromSeconds(6.125), rtt);
        Assert.False(RoundTripTime.TryCompute(block with { LastSenderReport = 0 }, arrival, out _));
    }

    [Fact]
    public void Unix_microseconds_convert_exactly()
    {
        // 1970-01-01T00:00:00.5Z = NTP seconds 2208988800, fraction 0x80000000.
        Assert.Equal(500_000, NtpTime.ToUnixMicroseconds((2_208_988_800UL << 32) | 0x8000_0000));
        const long T0 = 1_764_072_000_000_000; // 2025-11-25T12:00:00Z in µs
        Assert.Equal(T0, NtpTime.ToUnixMicroseconds(NtpTime.FromUnixMicroseconds(T0)));
        Assert.Equal(T0, NtpTime.ToUnixMicroseconds(NtpTime.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(T0 / 1000))));
    }

    [Fact]
    public void Short_durations_are_16_16_fixed_point()
    {
        Assert.Equal(0x00054000u, NtpTime.ToShortDuration(TimeSpan.FromSeconds(5.25)));
        Assert.Equal(TimeSpan.FromSeconds(5.25), NtpTime.FromShortDuration(0x00054000));
    }
}
