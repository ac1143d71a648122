namespace CallBot.Rtc.Rtcp;

/// <summary>
/// RFC 3550 §4 NTP timestamps: 64-bit fixed point, seconds since 1900-01-01 in the high 32 bits, fraction in the low 32.
/// LSR/DLSR use the middle 32 bits (16.16 seconds).
/// </summary>
public static class NtpTime
{
    public static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const double FractionScale = 4294967296.0; // 2^32
    private const double MiddleScale = 65536.0;

    public static ulong FromDateTime(DateTimeOffset time)
    {
        var ticks = (time - Epoch).Ticks;
        var seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        var fraction = (ulong)((ticks % TimeSpan.TicksPerSecond) * FractionScale / TimeSpan.TicksPerSecond);
        return (seconds << 32) | fraction;
    }

    public static ulong Now(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return FromDateTime(time.GetUtcNow());
    }

    public static DateTimeOffset ToDateTime(ulong ntp)
    {
        var seconds = (long)(ntp >> 32);
        var fractionTicks = (long)((ntp & 0xFFFFFFFF) * (double)TimeSpan.TicksPerSecond / FractionScale);
        return Epoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + fractionTicks);
    }

    /// <summary>The middle 32 bits, as carried in LSR.</summary>
    public static uint Middle32(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>A duration as a 16.16 count (DLSR units, 1/65536 s).</summary>
    public static uint ToShortDuration(TimeSpan duration) => (uint)Math.Clamp(duration.TotalSeconds * MiddleScale, 0, uint.MaxValue);

    public static TimeSpan FromShortDuration(uint value) => TimeSpan.FromSeconds(value / MiddleScale);

    /// <summary>
    /// RTT from a report block about our stream (RFC 3550 §6.4.1): arrival − LSR − DLSR, all in middle-32 units.
    /// False when the block carries no LSR (the peer has not received an SR yet) or the result is negative.
    /// </summary>
    public static bool TryGetRoundTripTime(in ReportBlock block, ulong arrivalNtp, out TimeSpan roundTrip)
    {
        roundTrip = TimeSpan.Zero;
        if (block.LastSenderReport == 0)
        {
            return false;
        }

        var rtt = (int)(Middle32(arrivalNtp) - block.LastSenderReport - block.DelaySinceLastSenderReport);
        if (rtt < 0)
        {
            return false;
        }

        roundTrip = FromShortDuration((uint)rtt);
        return true;
    }
}
