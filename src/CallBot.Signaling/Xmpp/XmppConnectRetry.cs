using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CallBot.Signaling.Xmpp;

/// <summary>
/// The client's connect pipeline: retries every failure but a refused login or a stop, with exponential backoff and
/// jitter, for as long as the client lives. Built here rather than registered with DI because the client is a library
/// type constructed without DI and its retry notifications drive per-client state (<c>LastError</c>, the failure event).
/// </summary>
internal sealed class XmppConnectRetry
{
    private readonly Action<XmppConnectAttemptFailedEventArgs> _attemptFailed;
    private XmppConnectAttemptFailedEventArgs? _failureAwaitingRetryTimer;

    /// <param name="lastError">Told why each failed attempt failed.</param>
    /// <param name="attemptFailed">Told of each failed attempt once the retry's delay timer exists on <paramref name="time"/>.</param>
    public XmppConnectRetry(XmppClientOptions options, TimeProvider time, ILogger logger,
        Action<Exception?> lastError, Action<XmppConnectAttemptFailedEventArgs> attemptFailed)
    {
        _attemptFailed = attemptFailed;
        // The failure event goes out once the retry delay's timer exists (see RaiseOnceRetryScheduled), so a
        // subscriber that advances a fake clock by RetryDelay always triggers the next attempt.
        var pipelineTime = new TimerCreationNotifyingTimeProvider(time) { TimerCreated = RaiseOnceRetryScheduled };
        Pipeline = new ResiliencePipelineBuilder<XmppSession> { TimeProvider = pipelineTime }
            .AddRetry(new RetryStrategyOptions<XmppSession>
            {
                ShouldHandle = new PredicateBuilder<XmppSession>().Handle<Exception>(ex => ex is not (XmppAuthenticationException or OperationCanceledException)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ReconnectBaseDelay,
                MaxDelay = options.ReconnectMaxDelay,
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    lastError(args.Outcome.Exception);
                    XmppLog.ConnectFailed(logger, args.AttemptNumber + 1, options.Endpoint!, args.RetryDelay, args.Outcome.Exception?.Message ?? "no session");
                    var failure = new XmppConnectAttemptFailedEventArgs(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    if (args.RetryDelay > TimeSpan.Zero)
                    {
                        Volatile.Write(ref _failureAwaitingRetryTimer, failure); // Polly creates the delay timer next
                    }
                    else
                    {
                        _attemptFailed(failure); // no delay, no timer: the retry runs at once
                    }
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public ResiliencePipeline<XmppSession> Pipeline { get; }

    private void RaiseOnceRetryScheduled()
    {
        var failure = Interlocked.Exchange(ref _failureAwaitingRetryTimer, null);
        if (failure is not null)
        {
            _attemptFailed(failure);
        }
    }
}
