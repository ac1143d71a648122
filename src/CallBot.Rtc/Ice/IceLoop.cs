using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// The agent's one serial loop (a channel of work items, each followed by <c>afterEach</c>) and its event queue, raised
/// in order on a second task so handlers can call back into the agent without deadlocking it. A failing item or handler
/// is logged and the loop goes on.
/// </summary>
internal sealed class IceLoop
{
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _workPump;
    private readonly Task _eventPump;

    public IceLoop(ILogger logger, Action afterEach)
    {
        _logger = logger;
        _workPump = Task.Run(() => PumpAsync(_work.Reader, afterEach, IceLog.WorkFailed));
        _eventPump = Task.Run(() => PumpAsync(_events.Reader, null, IceLog.HandlerFailed));
    }

    public bool IsCompleted => _workPump.IsCompleted && _eventPump.IsCompleted;

    /// <summary>Queues work for the loop; false once the loop is closed.</summary>
    public bool Post(Action work) => _work.Writer.TryWrite(work);

    /// <summary>Queues an event handler call.</summary>
    public void Raise(Action handler) => _events.Writer.TryWrite(handler);

    /// <summary>Runs <paramref name="last"/> after everything posted so far, takes no more work and waits for the loop to end.</summary>
    public async Task StopWorkAsync(Action last)
    {
        _work.Writer.TryWrite(last);
        _work.Writer.TryComplete();
        await _workPump.ConfigureAwait(false);
    }

    /// <summary>Raises what is queued, then stops the event task.</summary>
    public async Task StopEventsAsync()
    {
        _events.Writer.TryComplete();
        await _eventPump.ConfigureAwait(false);
    }

    /// <summary>Completes once everything posted so far, and the events it raised, have run.</summary>
    public async Task FlushAsync()
    {
        var loop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(() => loop.TrySetResult()))
        {
            return;
        }

        await loop.Task.ConfigureAwait(false);
        var events = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_events.Writer.TryWrite(() => events.TrySetResult()))
        {
            await events.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Runs the items of <paramref name="reader"/> in order (each followed by <paramref name="afterEach"/>); a failure is logged, the pump goes on.</summary>
    private async Task PumpAsync(ChannelReader<Action> reader, Action? afterEach, Action<ILogger, Exception> logFailure)
    {
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                try
                {
                    item();
                    afterEach?.Invoke();
                }
#pragma warning disable CA1031 // One bad work item must not stop the agent, nor a user handler event delivery.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    logFailure(_logger, ex);
                }
            }
        }
    }
}
