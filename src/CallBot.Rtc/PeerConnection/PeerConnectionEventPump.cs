using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// Raises a connection's public events one at a time, in the order they were posted, on one task and outside every lock:
/// the parts post from inside their locks (so the order is the order of the changes) and a handler may call back into
/// the connection. A throwing handler is logged and the pump goes on.
/// </summary>
internal sealed class PeerConnectionEventPump
{
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly AsyncLocal<bool> _onPump = new();
    private readonly ILogger _logger;
    private readonly string _id;
    private readonly Task _pump;

    public PeerConnectionEventPump(ILogger logger, string id)
    {
        _logger = logger;
        _id = id;
        _pump = Task.Run(PumpAsync);
    }

    public bool IsCompleted => _pump.IsCompleted;

    /// <summary>Queues an event; dropped once the pump is stopping.</summary>
    public void Post(Action raise) => _events.Writer.TryWrite(raise);

    /// <summary>Raises what is queued and stops; from a handler (disposing in it) it does not wait for itself.</summary>
    public async Task StopAsync()
    {
        _events.Writer.TryComplete();
        if (!_onPump.Value)
        {
            await _pump.ConfigureAwait(false);
        }
    }

    private async Task PumpAsync()
    {
        _onPump.Value = true;
        await foreach (var raise in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                raise();
            }
#pragma warning disable CA1031 // A subscriber's exception must not stop the pump or crash the process.
            catch (Exception e)
#pragma warning restore CA1031
            {
                PeerConnectionLog.HandlerFailed(_logger, _id, e);
            }
        }
    }
}
