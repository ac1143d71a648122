using CallBot.Worker.Calls;
using CallBot.Worker.Telemetry;

namespace CallBot.Worker.Bots;

/// <summary>
/// One bot's call slots: a call takes one of the bot's <c>CallsPerBot</c> (a <see cref="CallLimiter"/> of its own) and
/// one of the process's (the shared <see cref="CallLimiter"/>), or neither; the active-calls gauge follows. Lock-free:
/// incoming calls and outbound placements take slots from different threads.
/// </summary>
internal sealed class BotCallSlots(int callsPerBot, CallLimiter limiter, CallBotTelemetry telemetry)
{
    private readonly CallLimiter _bot = new(callsPerBot);

    /// <summary>Why a call could not be placed, for the exception message.</summary>
    public string Describe() => $"CallsPerBot {callsPerBot}, process {limiter.Capacity}";

    public bool TryTake()
    {
        if (!_bot.TryAcquire())
        {
            return false;
        }

        if (limiter.TryAcquire())
        {
            telemetry.CallBegan();
            return true;
        }

        _bot.Release();
        return false;
    }

    public void Release()
    {
        _bot.Release();
        limiter.Release();
        telemetry.CallEnded();
    }
}
