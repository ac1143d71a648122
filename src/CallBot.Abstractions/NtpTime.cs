namespace CallBot.Abstractions;

/// <summary>
/// 64-bit NTP timestamps (RFC 5905 §6, used by RTCP per RFC 3550 §4): seconds since 1900-01-01 in the high 32 bits,
/// fraction in the low 32. RTCP's LSR/DLSR use the middle 32 bits (16.16 seconds).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Seconds                            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Fraction                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public static class NtpTime
{
    public static readonly DateTimeOffset Epoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const double FractionScale = 4294967296.0; // 2^32
    private const double MiddleScale = 65536.0;
    private const long UnixEpochInNtpSeconds = 2_208_988_800;
    private const long MicrosPerSecond = 1_000_000;

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

    /// <summary>Microseconds since the Unix epoch, in integer arithmetic (the fraction rounded to the nearest µs).</summary>
    public static long ToUnixMicroseconds(ulong ntp)
    {
        var seconds = (long)(ntp >> 32) - UnixEpochInNtpSeconds;
        var fraction = (long)(((ntp & 0xFFFF_FFFF) * MicrosPerSecond + (1UL << 31)) >> 32);
        return seconds * MicrosPerSecond + fraction;
    }

    public static ulong FromUnixMicroseconds(long unixMicros)
    {
        var seconds = Math.DivRem(unixMicros, MicrosPerSecond, out var micros);
        if (micros < 0)
        {
            seconds--;
            micros += MicrosPerSecond;
        }

        var fraction = ((ulong)micros << 32) / MicrosPerSecond;
        return ((ulong)(seconds + UnixEpochInNtpSeconds) << 32) | fraction;
    }

    /// <summary>The middle 32 bits, as carried in LSR.</summary>
    public static uint Middle32(ulong ntp) => (uint)(ntp >> 16);

    /// <summary>A duration as a 16.16 count (DLSR units, 1/65536 s).</summary>
    public static uint ToShortDuration(TimeSpan duration) => (uint)Math.Clamp(duration.TotalSeconds * MiddleScale, 0, uint.MaxValue);

    public static TimeSpan FromShortDuration(uint value) => TimeSpan.FromSeconds(value / MiddleScale);
}
