using System.Collections.Concurrent;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;

namespace CallBot.Benchmarks.Setup;

/// <summary>
/// When each of a bot's calls reached accept (onAcceptCallListener: the bot is the caller), ICE connected
/// (onSessionConnectionStateChangedListener: connected) and its first remote frame, on the epoch clock in ms (comparable
/// with the page's <c>Date.now()</c> on the same machine); and each call's outcome as a task.
/// </summary>
internal sealed class BotCallTimes
{
    private readonly ConcurrentDictionary<string, double> _accepted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _iceConnected = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<double>> _firstFrame = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CallSummary>> _ended = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, double> _endedAt = new(StringComparer.Ordinal);

    public BotCallTimes(BotAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        agent.Client.Accepted += (_, e) => _accepted.TryAdd(e.Session.Id, Now());
        agent.Client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == SessionConnectionState.Connected)
            {
                _iceConnected.TryAdd(e.Session.Id, Now());
            }
        };
        agent.MediaFlowing += (_, e) => FirstFrame(e.SessionId).TrySetResult(Now());
        agent.CallEnded += (_, outcome) =>
        {
            _endedAt.TryAdd(outcome.SessionId, Now());
            Ended(outcome.SessionId).TrySetResult(outcome);
        };
    }

    /// <summary>Milliseconds since the Unix epoch, sub-millisecond.</summary>
    public static double Now() => (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;

    public double? AcceptedAt(string sessionId) => _accepted.TryGetValue(sessionId, out var t) ? t : null;

    public double? IceConnectedAt(string sessionId) => _iceConnected.TryGetValue(sessionId, out var t) ? t : null;

    public double? FirstFrameAt(string sessionId) =>
        _firstFrame.TryGetValue(sessionId, out var t) && t.Task.IsCompletedSuccessfully ? t.Task.Result : null;

    /// <summary>When the call ended at this bot (epoch ms); throws if it has not.</summary>
    public double EndedAt(string sessionId) => _endedAt[sessionId];

    public Task<double> FirstFrameAsync(string sessionId, TimeSpan timeout) => FirstFrame(sessionId).Task.WaitAsync(timeout);

    public Task<CallSummary> EndedAsync(string sessionId, TimeSpan timeout) => Ended(sessionId).Task.WaitAsync(timeout);

    private TaskCompletionSource<double> FirstFrame(string sessionId) =>
        _firstFrame.GetOrAdd(sessionId, _ => new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<CallSummary> Ended(string sessionId) =>
        _ended.GetOrAdd(sessionId, _ => new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously));
}
