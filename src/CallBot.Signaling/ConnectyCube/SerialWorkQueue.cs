using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// Runs work items one at a time, in order, on one pump task: all call state is changed only from here, so it needs
/// no locks. Work never runs inline in <see cref="Post"/>, so callers (transport events, timers, peer events) never
/// re-enter the state machine.
/// </summary>
internal sealed class SerialWorkQueue : IAsyncDisposable
{
    private readonly Channel<Func<Task>> _channel = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _pump;

    public SerialWorkQueue(ILogger logger)
    {
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Queues work; false once disposed.</summary>
    public bool Post(Func<Task> work) => _channel.Writer.TryWrite(work);

    public Task InvokeAsync(Func<Task> work) => InvokeAsync(async () =>
    {
        await work();
        return true;
    });

    public Task<T> InvokeAsync<T>(Func<Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(async () =>
            {
                try
                {
                    done.TrySetResult(await work());
                }
                catch (Exception ex)
                {
                    done.TrySetException(ex);
                }
            }))
        {
            done.TrySetException(new ObjectDisposedException(nameof(CallClient)));
        }
        return done.Task;
    }

    private async Task PumpAsync()
    {
        await foreach (var work in _channel.Reader.ReadAllAsync())
        {
            try
            {
                await work();
            }
            catch (Exception ex)
            {
                CallLog.WorkFailed(_logger, ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _pump;
    }
}
