namespace CallBot.Recording.Sync;

/// <summary>64-bit NTP timestamps (RFC 5905 §6: 32-bit seconds since 1900 + 32-bit fraction) to Unix microseconds.</summary>
public static class NtpTime
{
    private const long UnixEpochInNtpSeconds = 2_208_988_800;
    private const long MicrosPerSecond = 1_000_000;

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
}
