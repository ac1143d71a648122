using CallBot.Worker.Bots;

namespace CallBot.Worker.Load;

/// <summary>
/// Waits until every callee of a call has closed its side of the session, so a user is free before the planner books it
/// again. Listens from before the call is placed (the session id is known only later) and is bounded by a timeout.
/// </summary>
internal sealed class CalleeCloseWaiter : IDisposable
{
    private readonly IReadOnlyList<LoadBot> _callees;
    private readonly List<(int Callee, string Session)> _ended = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private string? _target;

    public CalleeCloseWaiter(IReadOnlyList<LoadBot> callees)
    {
        _callees = callees;
        foreach (var callee in callees)
        {
            callee.Agent.CallEnded += OnCallEnded;
        }
    }

    /// <summary>True when every callee closed <paramref name="sessionId"/> within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitAsync(string sessionId, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _target = sessionId;
            CheckLocked();
        }

        try
        {
            await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void OnCallEnded(object? sender, CallSummary outcome)
    {
        lock (_gate)
        {
            _ended.Add((outcome.BotUserId, outcome.SessionId));
            CheckLocked();
        }
    }

    private void CheckLocked()
    {
        if (_target is null)
        {
            return;
        }

        foreach (var callee in _callees)
        {
            if (!_ended.Contains((callee.UserId, _target)))
            {
                return;
            }
        }

        _done.TrySetResult();
    }

    public void Dispose()
    {
        foreach (var callee in _callees)
        {
            callee.Agent.CallEnded -= OnCallEnded;
        }
    }
}
