namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The caller's re-dial (the SDK's dialing timer): a pair's <c>call</c> goes out at once and again every
/// dialingTimeInterval until it is answered or released; once answerTimeInterval is spent dialing stops and, when asked
/// to, the pair counts as not answered. The timer fires on the work queue.
/// </summary>
internal sealed class CallDialer(ICallSessionHost host, CallSignalOutbox outbox, Action<CallPeerLink> notAnswered)
{
    public void Start(CallPeerLink link, UserInfo userInfo, bool notifyNotAnswered)
    {
        link.ClearDialing();
        link.DialUserInfo = userInfo;
        link.NotifyNotAnswered = notifyNotAnswered;
        outbox.SendCall(link);
        var interval = host.Options.DialingTimeInterval;
        link.DialTimer = host.Time.CreateTimer(_ => host.Queue.Post(() => Tick(link)), null, interval, interval);
    }

    /// <summary>Count the interval; give up at answerTimeInterval, else re-send.</summary>
    private Task Tick(CallPeerLink link)
    {
        if (link.DialTimer is null || link.Released)
        {
            return Task.CompletedTask;
        }
        if (link.DialIntervalElapsed(host.Options.DialingTimeInterval, host.Options.AnswerTimeInterval))
        {
            outbox.SendCall(link);
        }
        else if (link.NotifyNotAnswered)
        {
            notAnswered(link);
        }
        return Task.CompletedTask;
    }
}
