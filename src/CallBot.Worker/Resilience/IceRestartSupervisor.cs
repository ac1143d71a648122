using System.Collections.Concurrent;
using CallBot.Signaling.ConnectyCube;

namespace CallBot.Worker.Resilience;

/// <summary>
/// One bot's <see cref="IceRestartPipeline"/>s: one per peer of each call, created on the peer's first connection state and
/// dropped when its session closes. The Polly pipeline (stateless strategies) is the one registered in DI
/// (<see cref="IceRestartResilience.AddIceRestartResilience"/>), shared by every bot.
/// </summary>
public sealed class IceRestartSupervisor : IAsyncDisposable
{
    private readonly IceRestartShared _shared;
    private readonly ConcurrentDictionary<(string Session, int User), IceRestartPipeline> _links = new();
    private int _attempts;
    private int _recoveries;

    /// <param name="shared">The bot's chat, options, the registered <see cref="IceRestartResilience.PipelineName"/> pipeline
    /// (shared by every peer and bot), telemetry, clock and logger (<see cref="IceRestartShared.Create"/>).</param>
    public IceRestartSupervisor(IceRestartShared shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        _shared = shared;
    }

    /// <summary>Attempts made by every pipeline of this bot (including ones already dropped).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Runs that ended with the peer connected again.</summary>
    public int Recoveries => Volatile.Read(ref _recoveries);

    /// <summary>Raised after every attempt of any peer.</summary>
    public event EventHandler<IceRestartAttempt>? AttemptCompleted;

    /// <summary>Raised when a peer's attempts are exhausted.</summary>
    public event EventHandler<IceRestartGaveUpEventArgs>? GaveUp;

    /// <summary>The pipeline of that peer, if it has had a connection state.</summary>
    public IceRestartPipeline? Find(string sessionId, int userId) => _links.TryGetValue((sessionId, userId), out var p) ? p : null;

    public void OnConnectionState(CallSession session, int userId, SessionConnectionState state)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.State is not (CallSessionState.New or CallSessionState.Active))
        {
            return;
        }

        var pipeline = _links.GetOrAdd((session.Id, userId), _ => Create(new SessionIceRestartLink(session, userId)));
        pipeline.OnConnectionState(state);
    }

    /// <summary>Stops and forgets every pipeline of that session.</summary>
    public async Task OnSessionClosedAsync(string sessionId)
    {
        foreach (var key in _links.Keys)
        {
            if (key.Session == sessionId && _links.TryRemove(key, out var pipeline))
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _links.Keys)
        {
            if (_links.TryRemove(key, out var pipeline))
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private IceRestartPipeline Create(IIceRestartLink link)
    {
        var pipeline = new IceRestartPipeline(link, _shared);
        pipeline.AttemptCompleted += (_, attempt) =>
        {
            Interlocked.Increment(ref _attempts);
            if (attempt.Outcome == IceRestartAttemptOutcome.Recovered)
            {
                Interlocked.Increment(ref _recoveries);
            }

            AttemptCompleted?.Invoke(this, attempt);
        };
        pipeline.GaveUp += (_, e) => GaveUp?.Invoke(this, e);
        return pipeline;
    }
}
