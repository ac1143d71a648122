using System.Diagnostics;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;

namespace CallBot.Worker.Resilience;

/// <summary>
/// The guide's ICE-restart recipe for one peer of a call:
/// <code>
///   CONNECTED ──► DISCONNECTED/FAILED ──(Threshold, still not connected)──► attempts via the Polly pipeline:
///       chat ping (PingTimeout) ─fail─► reconnect chat
///       canInitiateIceRestart ? send iceRestart (fresh offer) : wait for the peer's
///       wait for CONNECTED (AttemptTimeout) ─► recovered | backoff and retry | budget spent ─► GaveUp
/// </code>
/// Connection states come in order from the call client's event queue; the threshold timer and attempts run on the
/// thread pool. Every attempt is an activity (<c>ice.restart.attempt</c>) and a <c>callbot.ice.restarts{outcome,role}</c>.
/// </summary>
public sealed class IceRestartPipeline : IAsyncDisposable
{
    private readonly IIceRestartLink _link;
    private readonly IChatTransport _chat;
    private readonly IceRestartOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly CallBotTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closed = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _healthy;
    private bool _gaveUp;
    private ITimer? _threshold;
    private Task? _run;
    private int _attempts;
    private int _runAttempts;
    private int _recoveries;

    /// <param name="link">This peer's call session.</param>
    /// <param name="shared">What every peer's pipeline of the bot shares (<see cref="IceRestartSupervisor"/> makes it once).</param>
    public IceRestartPipeline(IIceRestartLink link, IceRestartShared shared)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(shared);
        _link = link;
        (_chat, _options, _pipeline, _telemetry, _time, _logger) = shared;
    }

    public IIceRestartLink Link => _link;

    /// <summary>Attempts made so far (all runs).</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Runs that ended with the peer connected again.</summary>
    public int Recoveries => Volatile.Read(ref _recoveries);

    /// <summary>A run of attempts is in progress.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _run is not null;
            }
        }
    }

    /// <summary>Raised after every attempt (on the attempt's thread).</summary>
    public event EventHandler<IceRestartAttempt>? AttemptCompleted;

    /// <summary>Raised when a failed attempt is followed by a backoff of the given length.</summary>
    public event EventHandler<TimeSpan>? BackoffScheduled;

    /// <summary>Raised once when every attempt failed; the owner hangs up.</summary>
    public event EventHandler<IceRestartGaveUpEventArgs>? GaveUp;

    /// <summary>Feed every connection state of this peer, in order.</summary>
    public void OnConnectionState(SessionConnectionState state)
    {
        switch (state)
        {
            case SessionConnectionState.Connected or SessionConnectionState.Completed:
                lock (_gate)
                {
                    _healthy = true;
                    _connected.TrySetResult();
                    DisposeThresholdLocked();
                }

                break;
            case SessionConnectionState.Disconnected or SessionConnectionState.Failed:
                lock (_gate)
                {
                    if (_healthy || _connected.Task.IsCompleted)
                    {
                        _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    _healthy = false;
                    StartThresholdLocked();
                }

                break;
            case SessionConnectionState.Closed:
                _closed.Cancel();
                lock (_gate)
                {
                    DisposeThresholdLocked();
                }

                break;
        }
    }

    /// <summary>Completes when no run is in progress (tests).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            return _run ?? Task.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? run;
        lock (_gate)
        {
            if (_closed.IsCancellationRequested && _run is null && _threshold is null)
            {
                return;
            }

            DisposeThresholdLocked();
            run = _run;
        }

        await _closed.CancelAsync().ConfigureAwait(false);
        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }
    }

    private void StartThresholdLocked()
    {
        if (_threshold is not null || _run is not null || _gaveUp || _closed.IsCancellationRequested)
        {
            return;
        }

        _threshold = _time.CreateTimer(_ => OnThresholdElapsed(), null, TimeSpan.FromSeconds(_options.Threshold), Timeout.InfiniteTimeSpan);
    }

    private void DisposeThresholdLocked()
    {
        _threshold?.Dispose();
        _threshold = null;
    }

    private void OnThresholdElapsed()
    {
        lock (_gate)
        {
            DisposeThresholdLocked();
            if (_healthy || _run is not null || _gaveUp || _closed.IsCancellationRequested)
            {
                return;
            }

            _runAttempts = 0;
            _run = Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        ResilienceLog.Starting(_logger, _link.SessionId, _link.RemoteUserId, _options.Threshold);
        Exception? failure = null;
        try
        {
            var context = ResilienceContextPool.Shared.Get(_closed.Token);
            context.Properties.Set(IceRestartResilience.Owner, this);
            try
            {
                await _pipeline.ExecuteAsync(static (ctx, self) => self.AttemptAsync(ctx.CancellationToken), context, this).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            Interlocked.Increment(ref _recoveries);
            ResilienceLog.Recovered(_logger, _link.SessionId, _link.RemoteUserId, _runAttempts);
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // The call ended meanwhile.
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        bool gaveUp;
        lock (_gate)
        {
            _run = null;
            gaveUp = failure is not null && !_closed.IsCancellationRequested;
            _gaveUp |= gaveUp;
            if (!gaveUp && !_healthy)
            {
                // Disconnected again right after recovering: a new threshold starts now.
                StartThresholdLocked();
            }
        }

        if (gaveUp)
        {
            ResilienceLog.GaveUp(_logger, _link.SessionId, _link.RemoteUserId, _runAttempts, failure);
            try
            {
                GaveUp?.Invoke(this, new IceRestartGaveUpEventArgs(_link.SessionId, _link.RemoteUserId, _runAttempts, failure));
            }
            catch (Exception ex)
            {
                ResilienceLog.HandlerFailed(_logger, _link.SessionId, ex);
            }
        }
    }

    internal void OnBackoff(TimeSpan delay)
    {
        try
        {
            BackoffScheduled?.Invoke(this, delay);
        }
        catch (Exception ex)
        {
            ResilienceLog.HandlerFailed(_logger, _link.SessionId, ex);
        }
    }

    private async ValueTask AttemptAsync(CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _runAttempts);
        Interlocked.Increment(ref _attempts);
        Task connected;
        bool healthy;
        lock (_gate)
        {
            connected = _connected.Task;
            healthy = _healthy;
        }

        var offerer = _link.CanInitiateIceRestart;
        var parent = Activity.Current;
        using var activity = CallBotTelemetry.ActivitySource.StartActivity("ice.restart.attempt");
        activity?.SetTag("callbot.session_id", _link.SessionId);
        activity?.SetTag("callbot.remote_user", _link.RemoteUserId);
        activity?.SetTag("callbot.ice_restart.attempt", number);
        activity?.SetTag("callbot.ice_restart.role", offerer ? "offerer" : "answerer");
        var started = _time.GetTimestamp();
        ChatCheckResult? chat = null;
        var offerSent = false;
        var outcome = IceRestartAttemptOutcome.Failed;
        try
        {
            if (!healthy)
            {
                chat = await ChatCheck.EnsureOnlineAsync(_chat, TimeSpan.FromSeconds(_options.PingTimeout), cancellationToken).ConfigureAwait(false);
                if (offerer)
                {
                    await _link.RestartIceAsync(cancellationToken).ConfigureAwait(false);
                    offerSent = true;
                }

                await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            outcome = IceRestartAttemptOutcome.Recovered;
        }
        catch (OperationCanceledException)
        {
            outcome = _closed.IsCancellationRequested ? IceRestartAttemptOutcome.Cancelled : IceRestartAttemptOutcome.TimedOut;
            throw;
        }
        catch (Exception ex)
        {
            throw new IceRestartAttemptFailedException($"ICE restart attempt {number} with {_link.RemoteUserId} failed: {ex.Message}", ex);
        }
        finally
        {
            Finish(activity, number, offerer, chat, offerSent, outcome, _time.GetElapsedTime(started));
            Activity.Current = parent;
        }
    }

    private void Finish(Activity? activity, int number, bool offerer, ChatCheckResult? chat, bool offerSent, IceRestartAttemptOutcome outcome, TimeSpan duration)
    {
        var attempt = new IceRestartAttempt(_link.SessionId, _link.RemoteUserId, number, offerer, chat, offerSent, outcome, duration);
        var role = offerer ? "offerer" : "answerer";
        _telemetry.IceRestarts.Add(1, new KeyValuePair<string, object?>("outcome", attempt.OutcomeTag), new KeyValuePair<string, object?>("role", role));
        if (activity is not null)
        {
            activity.SetTag("callbot.ice_restart.outcome", attempt.OutcomeTag);
            activity.SetTag("callbot.ice_restart.chat", chat?.ToString());
            activity.SetTag("callbot.ice_restart.offer_sent", offerSent);
            activity.SetStatus(outcome == IceRestartAttemptOutcome.Recovered ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        }

        ResilienceLog.Attempt(_logger, _link.SessionId, _link.RemoteUserId, number, role, attempt.OutcomeTag, chat?.ToString() ?? "-", offerSent, duration.TotalMilliseconds);
        try
        {
            AttemptCompleted?.Invoke(this, attempt);
        }
        catch (Exception ex)
        {
            ResilienceLog.HandlerFailed(_logger, _link.SessionId, ex);
        }
    }
}
