using CallBot.Signaling.ConnectyCube;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Bots;

/// <summary>
/// A bot's actions on one call (hang up, reject, the duration limit) that run from event handlers and timers: a failure
/// is logged, never thrown, so one broken call cannot stop the bot's event loop.
/// </summary>
internal sealed class CallActions(int botUserId, TimeProvider time, ILogger logger)
{
    /// <summary>Hangs the call up after <paramref name="limit"/> (none when zero or less).</summary>
    public void StartTimeLimit(ActiveCall call, TimeSpan limit)
    {
        if (limit <= TimeSpan.Zero)
        {
            return;
        }

        call.HangUpTimer = time.CreateTimer(_ =>
        {
            BotLog.TimeLimit(logger, botUserId, call.Session.Id);
            _ = StopQuietlyAsync(call, "hangUp");
        }, null, limit, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends the call from this side: rejects it while it still rings here, otherwise sends <paramref name="action"/> (hangUp).</summary>
    public Task StopQuietlyAsync(ActiveCall call, string action)
    {
        var state = call.Session.State;
        if (state is not (CallSessionState.New or CallSessionState.Active))
        {
            return Task.CompletedTask;
        }

        if (call.Direction == CallDirection.Incoming && !call.Accepted)
        {
            // Still ringing here (ignored, or waiting for the answer delay): decline it.
            return state == CallSessionState.New ? RunQuietlyAsync(call, "reject", () => call.Session.RejectAsync()) : Task.CompletedTask;
        }

        return RunQuietlyAsync(call, action, () => call.Session.StopAsync());
    }

    /// <summary>Runs one signalling action; a failure is logged with <paramref name="action"/>, not thrown.</summary>
    public async Task RunQuietlyAsync(ActiveCall call, string action, Func<Task> run)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            BotLog.ActionFailed(logger, botUserId, call.Session.Id, action, ex);
        }
    }
}
