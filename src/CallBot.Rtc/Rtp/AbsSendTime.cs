namespace CallBot.Rtc.Rtp;

/// <summary>abs-send-time: 24-bit fixed point, 6 bits of seconds and 18 bits of fraction, wrapping every 64 s.</summary>
public static class AbsSendTime
{
    private const int FractionBits = 18;
    private const long WrapTicks = 64 * TimeSpan.TicksPerSecond;

    public static uint FromElapsed(TimeSpan elapsed)
    {
        var ticks = elapsed.Ticks % WrapTicks;
        if (ticks < 0)
        {
            ticks += WrapTicks;
        }

        return (uint)((ticks << FractionBits) / TimeSpan.TicksPerSecond) & 0xFFFFFF;
    }

    public static TimeSpan ToElapsed(uint value) =>
        TimeSpan.FromTicks(((value & 0xFFFFFF) * TimeSpan.TicksPerSecond) >> FractionBits);
}
