namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// A session's two session-wide SDK timers, each firing on the work queue: the callee's answer timer (ringing without an
/// accept for answerTimeInterval closes the session) and, after a group accept, the waiting-offer-or-answer timer (pairs
/// that never started connecting count as not answered). Touched only on the work queue.
/// </summary>
internal sealed class CallSessionTimers(ICallSessionHost host)
{
    private ITimer? _answer;
    private ITimer? _waiting;

    /// <summary>Starts the answer timer unless it runs already.</summary>
    public void StartAnswer(Action expired)
    {
        if (_answer is not null)
        {
            return;
        }
        _answer = Start(host.Options.AnswerTimeInterval, () =>
        {
            if (_answer is not null)
            {
                ClearAnswer();
                expired();
            }
        });
    }

    /// <summary>
    /// The SDK's <c>startWaitingOfferOrAnswerTimer</c>: answerTimeInterval minus the time already spent ringing (at most
    /// half of it), at least 1 s. Restarts the timer if it runs.
    /// </summary>
    public void StartWaitingOfferOrAnswer(DateTimeOffset ringingSince, Action expired)
    {
        var answer = host.Options.AnswerTimeInterval;
        var waited = host.Time.GetUtcNow() - ringingSince;
        var timeout = answer - (waited < answer / 2 ? waited : answer / 2);
        if (timeout < TimeSpan.FromSeconds(1))
        {
            timeout = TimeSpan.FromSeconds(1);
        }
        ClearWaiting();
        _waiting = Start(timeout, () =>
        {
            if (_waiting is not null)
            {
                ClearWaiting();
                expired();
            }
        });
    }

    public void ClearAnswer()
    {
        _answer?.Dispose();
        _answer = null;
    }

    public void ClearWaiting()
    {
        _waiting?.Dispose();
        _waiting = null;
    }

    public void ClearAll()
    {
        ClearAnswer();
        ClearWaiting();
    }

    private ITimer Start(TimeSpan due, Action fired) =>
        host.Time.CreateTimer(_ => host.Queue.Post(() =>
        {
            fired();
            return Task.CompletedTask;
        }), null, due, Timeout.InfiniteTimeSpan);
}
