using CallBot.Worker.Calls;
using CallBot.Worker.Telemetry;

namespace CallBot.Worker.Bots;

/// <summary>
/// One bot's call slots: a call takes one of the bot's <c>CallsPerBot</c> and one of the process's (the shared
/// <see cref="CallLimiter"/>), or neither; the active-calls gauge follows. Lock-free: incoming calls and outbound
/// placements take slots from different threads.
/// </summary>
internal sealed class BotCallSlots(int callsPerBot, CallLimiter limiter, CallBotTelemetry telemetry)
{
    private int _taken;

    /// <summary>Why a call could not be placed, for the exception message.</summary>
    public string Describe() => $"CallsPerBot {callsPerBot}, process {limiter.Capacity}";

    public bool TryTake()
    {
        while (true)
        {
            var current = Volatile.Read(ref _taken);
            if (current >= callsPerBot)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _taken, current + 1, current) == current)
            {
                break;
            }
        }

        if (limiter.TryAcquire())
        {
            telemetry.CallBegan();
            return true;
        }

        Interlocked.Decrement(ref _taken);
        return false;
    }

    public void Release()
    {
        Interlocked.Decrement(ref _taken);
        limiter.Release();
        telemetry.CallEnded();
    }
}
