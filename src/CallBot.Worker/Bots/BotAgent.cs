using System.Collections.Concurrent;
using System.Globalization;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Bots;

/// <summary>
/// One bot identity: its chat transport, its <see cref="CallClient"/>, the answer policy for incoming calls, outgoing
/// calls, per-call telemetry, recordings finalized when a call closes, and an orderly shutdown (hang up every call,
/// finalize, log out).
/// </summary>
public sealed partial class BotAgent : IAsyncDisposable
{
    private readonly BotAgentSettings _settings;
    private readonly IChatTransport _transport;
    private readonly CallRecordings _recordings;
    private readonly CallBotTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BotCallSlots _slots;
    private readonly CallSummaryRecorder _summaries;
    private readonly CallActions _actions;
    private readonly ConcurrentDictionary<string, ActiveCall> _calls = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;

    public BotAgent(
        BotAgentSettings settings,
        IChatTransport transport,
        ICallPeerConnectionFactory peers,
        ICallMediaStatsSource? mediaStats,
        CallClientOptions clientOptions,
        CallLimiter limiter,
        CallRecordings recordings,
        CallBotTelemetry telemetry,
        TimeProvider time,
        ILoggerFactory loggers,
        IceRestartSupervisor? iceRestart = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(peers);
        ArgumentNullException.ThrowIfNull(loggers);
        _settings = settings;
        _transport = transport;
        _recordings = recordings;
        _telemetry = telemetry;
        _time = time;
        _logger = loggers.CreateLogger<BotAgent>();
        _slots = new BotCallSlots(settings.CallsPerBot, limiter, telemetry);
        _summaries = new CallSummaryRecorder(settings.UserId, mediaStats, telemetry, time, _logger);
        _actions = new CallActions(settings.UserId, time, _logger);
        Client = new CallClient(transport, peers, clientOptions, time, loggers.CreateLogger<CallClient>());
        Client.IncomingCall += OnIncomingCall;
        Client.Accepted += OnAccepted;
        Client.Rejected += OnRejected;
        Client.UserNotAnswered += OnUserNotAnswered;
        Client.Stopped += OnStopped;
        Client.ConnectionStateChanged += OnConnectionStateChanged;
        Client.SessionClosed += OnSessionClosed;
        Client.SignalDropped += (_, e) => _telemetry.Dropped("call", e.Reason.ToString());
        _transport.StateChanged += OnChatStateChanged;
        if (iceRestart is not null)
        {
            IceRestartSupervisor = iceRestart; // owned from here: disposed with the bot
            IceRestartSupervisor.GaveUp += OnIceRestartGaveUp;
        }

        if (mediaStats is not null)
        {
            mediaStats.FirstRemoteFrame += OnFirstRemoteFrame;
        }
    }

    public int UserId => _settings.UserId;

    public CallClient Client { get; }

    /// <summary>The ICE-restart pipelines of this bot's calls; null when <see cref="IceRestartOptions.Enabled"/> is off.</summary>
    public IceRestartSupervisor? IceRestartSupervisor { get; }

    public bool IsOnline => _transport.State == ChatConnectionState.Online;

    /// <summary>Completes when the bot's media is ready; the bot is online (and answers, once it is) before that.</summary>
    public Task MediaReady => _settings.MediaReady;

    public ChatConnectionState ChatState => _transport.State;

    /// <summary>Calls from first signal until their session closed (including ringing and ignored ones).</summary>
    public int ActiveCalls => _calls.Count;

    /// <summary>Raised once per call when its session closed, with the call's summary.</summary>
    public event EventHandler<CallSummary>? CallEnded;

    /// <summary>Raised (on the receive loop) when the first frame from a peer of a call arrived.</summary>
    public event EventHandler<FirstRemoteFrameEventArgs>? MediaFlowing;

    /// <summary>Raised when an incoming call has been answered by policy (accepted).</summary>
    public event EventHandler<string>? CallAccepted;

    /// <summary>How long <see cref="PlaceCallAsync"/> with <c>timeFromMedia</c> waits for the first remote frame after the answer.</summary>
    public static readonly TimeSpan MediaSetupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Places one call and keeps it up for <paramref name="duration"/> once answered (with <paramref name="timeFromMedia"/>:
    /// once the first remote frame arrived, waiting at most <see cref="MediaSetupTimeout"/> for it), then hangs up.
    /// Completes with the call's outcome when its session closed (answered or not).
    /// </summary>
    public async Task<CallSummary> PlaceCallAsync(IReadOnlyList<int> targets, CallType callType, TimeSpan duration, bool timeFromMedia = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_slots.TryTake())
        {
            throw new InvalidOperationException($"Bot {UserId} has no free call slot ({_slots.Describe()}).");
        }

        CallSession session;
        try
        {
            await _settings.MediaReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            session = Client.CreateSession(targets, callType, _settings.MaxBandwidthKbps);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        var call = Track(session, CallDirection.Outgoing, targets[0]);
        call.HoldsSlot = true;
        BotLog.Calling(_logger, UserId, string.Join(',', targets), callType, session.Id);
        try
        {
            await session.CallAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _settings.CallPlaced?.Invoke(session);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            call.Result ??= CallDisposition.Failed;
            call.Error ??= ex.Message;
            await _actions.StopQuietlyAsync(call, "call").ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try
        {
            if (await call.Answered.Task.WaitAsync(linked.Token).ConfigureAwait(false))
            {
                if (timeFromMedia)
                {
                    await Task.WhenAny(call.Done.Task, call.MediaStarted.Task, Task.Delay(MediaSetupTimeout, _time, linked.Token)).ConfigureAwait(false);
                }

                await Task.WhenAny(call.Done.Task, Task.Delay(duration, _time, linked.Token)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (!call.Done.Task.IsCompleted)
        {
            await _actions.StopQuietlyAsync(call, "hangUp").ConfigureAwait(false);
        }

        return await call.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Places <paramref name="count"/> calls one after another (0 = until cancelled), pausing <paramref name="interval"/> between them.</summary>
    public async Task<IReadOnlyList<CallSummary>> RunOutboundAsync(
        IReadOnlyList<int> targets, CallType callType, int count, TimeSpan duration, TimeSpan interval, CancellationToken cancellationToken)
    {
        var outcomes = new List<CallSummary>();
        for (var i = 0; count == 0 || i < count; i++)
        {
            if (cancellationToken.IsCancellationRequested || _stopping.IsCancellationRequested)
            {
                break;
            }

            if (i > 0 && interval > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            try
            {
                outcomes.Add(await PlaceCallAsync(targets, callType, duration, cancellationToken: cancellationToken).ConfigureAwait(false));
            }
            catch (InvalidOperationException ex)
            {
                BotLog.ActionFailed(_logger, UserId, "-", "call", ex);
            }
        }

        return outcomes;
    }

    /// <summary>Hangs up every call, waits (bounded) for the sessions to close and the hang-ups to be sent, finalizes recordings.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var calls = _calls.Values.ToArray();
        BotLog.ShuttingDown(_logger, UserId, calls.Length);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ShutdownTimeout);
        try
        {
            await Task.WhenAll(calls.Select(c => _actions.StopQuietlyAsync(c, "hangUp"))).WaitAsync(timeout.Token).ConfigureAwait(false);
            await Task.WhenAll(calls.Select(c => c.Done.Task)).WaitAsync(timeout.Token).ConfigureAwait(false);
            await Client.WhenEventsRaisedAsync().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            BotLog.ShutdownTimedOut(_logger, UserId, _calls.Count);
        }

        await _recordings.FinalizeAllAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await ShutdownAsync().ConfigureAwait(false);
        await Client.DisposeAsync().ConfigureAwait(false);
        if (IceRestartSupervisor is not null)
        {
            await IceRestartSupervisor.DisposeAsync().ConfigureAwait(false);
        }

        _transport.StateChanged -= OnChatStateChanged;
        await _transport.DisposeAsync().ConfigureAwait(false);
        foreach (var call in _calls.Values)
        {
            Complete(call);
        }

        _stopping.Dispose();
    }

    // ------------------------------------------------------------------ CallClient events (raised in order, one at a time)

    private void OnIncomingCall(object? sender, IncomingCallEventArgs e)
    {
        var session = e.Session;
        var hasCapacity = _settings.Answer.Policy == Options.AnswerPolicy.Accept && _slots.TryTake();
        var decision = _stopping.IsCancellationRequested
            ? AnswerDecision.Busy
            : AnswerPolicyEvaluator.Decide(_settings.Answer, e.CallerUserId, hasCapacity);
        if (hasCapacity && decision != AnswerDecision.Accept)
        {
            _slots.Release();
            hasCapacity = false;
        }

        var call = Track(session, CallDirection.Incoming, e.CallerUserId);
        call.HoldsSlot = hasCapacity;
        BotLog.Incoming(_logger, UserId, session.Id, e.CallerUserId, session.CallType, decision);
        switch (decision)
        {
            case AnswerDecision.Accept:
                _ = AcceptAfterDelayAsync(call);
                break;
            case AnswerDecision.Reject:
                call.Result = CallDisposition.Rejected;
                _ = _actions.RunQuietlyAsync(call, "reject", () => session.RejectAsync());
                break;
            case AnswerDecision.Busy:
                call.Result = CallDisposition.Busy;
                _ = _actions.RunQuietlyAsync(call, "reject busy", () => session.RejectAsync(UserInfo.Empty.With(UserInfo.BusyKey, "true")));
                break;
            default:
                call.Result = CallDisposition.Ignored;
                break;
        }
    }

    private async Task AcceptAfterDelayAsync(ActiveCall call)
    {
        try
        {
            if (_settings.Answer.AnswerDelay > TimeSpan.Zero)
            {
                await Task.Delay(_settings.Answer.AnswerDelay, _time, _stopping.Token).ConfigureAwait(false);
            }

            if (!_settings.MediaReady.IsCompleted)
            {
                // Called before media was ready (a restarted bot): answer as soon as it is, while the caller still dials.
                BotLog.AwaitingMedia(_logger, UserId, call.Session.Id);
                await _settings.MediaReady.WaitAsync(_settings.AnswerTimeout, _time, _stopping.Token).ConfigureAwait(false);
            }

            if (call.Session.State != CallSessionState.New)
            {
                return;
            }

            await call.Session.AcceptAsync().ConfigureAwait(false);
            call.Accepted = true;
            call.Answered.TrySetResult(true);
            _summaries.Answered(CallDirection.Incoming);
            _actions.StartTimeLimit(call, _settings.Answer.MaxCallDuration);
            CallAccepted?.Invoke(this, call.Session.Id);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            call.Result ??= CallDisposition.Failed;
            call.Error ??= ex.Message;
            BotLog.ActionFailed(_logger, UserId, call.Session.Id, "accept", ex);
            await _actions.StopQuietlyAsync(call, "hangUp").ConfigureAwait(false);
        }
    }

    private void OnAccepted(object? sender, CallPeerEventArgs e)
    {
        if (!_calls.TryGetValue(e.Session.Id, out var call) || call.Direction != CallDirection.Outgoing || call.Accepted)
        {
            return;
        }

        call.Accepted = true;
        _summaries.Answered(CallDirection.Outgoing);
        call.Answered.TrySetResult(true);
    }

    private void OnRejected(object? sender, CallPeerEventArgs e)
    {
        if (_calls.TryGetValue(e.Session.Id, out var call) && !call.Accepted)
        {
            call.Result ??= e.UserInfo.IsBusy ? CallDisposition.Busy : CallDisposition.Rejected;
        }
    }

    private void OnUserNotAnswered(object? sender, CallPeerEventArgs e)
    {
        if (_calls.TryGetValue(e.Session.Id, out var call) && !call.Accepted)
        {
            call.Result ??= CallDisposition.NotAnswered;
        }
    }

    private void OnStopped(object? sender, CallPeerEventArgs e)
    {
        // The peer hung up; the session closes next and the outcome is built there.
        if (_calls.TryGetValue(e.Session.Id, out var call))
        {
            call.EndedByRemote = true;
        }
    }

    private void OnFirstRemoteFrame(object? sender, FirstRemoteFrameEventArgs e)
    {
        if (_calls.TryGetValue(e.SessionId, out var call))
        {
            call.MediaStarted.TrySetResult();
        }

        try
        {
            MediaFlowing?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            BotLog.ActionFailed(_logger, UserId, e.SessionId, "MediaFlowing handler", ex);
        }
    }

    private void OnConnectionStateChanged(object? sender, CallConnectionStateEventArgs e)
    {
        if (_calls.TryGetValue(e.Session.Id, out var call))
        {
            if (e.State == SessionConnectionState.Failed)
            {
                call.ConnectionError ??= $"connection with {e.UserId.ToString(CultureInfo.InvariantCulture)} failed";
            }
            else if (e.State is SessionConnectionState.Connected or SessionConnectionState.Completed)
            {
                call.ConnectionError = null; // recovered (consent came back, or an ICE restart worked)
            }
        }

        IceRestartSupervisor?.OnConnectionState(e.Session, e.UserId, e.State);
    }

    private void OnIceRestartGaveUp(object? sender, IceRestartGaveUpEventArgs e)
    {
        if (!_calls.TryGetValue(e.SessionId, out var call))
        {
            return;
        }

        call.Error ??= IceRestartOptions.ExhaustedReason;
        _ = _actions.RunQuietlyAsync(call, "hangUp", () => call.Session.StopAsync(UserInfo.Empty.With(IceRestartOptions.ReasonKey, IceRestartOptions.ExhaustedReason)));
    }

    private void OnSessionClosed(object? sender, CallSessionEventArgs e) => _ = CloseAsync(e.Session);

    private async Task CloseAsync(CallSession session)
    {
        if (!_calls.TryGetValue(session.Id, out var call))
        {
            return;
        }

        call.HangUpTimer?.Dispose();
        call.Answered.TrySetResult(false);
        if (IceRestartSupervisor is not null)
        {
            await IceRestartSupervisor.OnSessionClosedAsync(session.Id).ConfigureAwait(false);
        }

        try
        {
            await _recordings.FinalizeAsync(session.Id).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            BotLog.ActionFailed(_logger, UserId, session.Id, "finalize recording", ex);
        }

        Complete(call);
    }

    private void Complete(ActiveCall call)
    {
        if (call.Done.Task.IsCompleted)
        {
            return;
        }

        var summary = _summaries.Summarize(call);
        if (!call.Done.TrySetResult(summary))
        {
            return;
        }

        _calls.TryRemove(call.Session.Id, out _);
        if (call.HoldsSlot)
        {
            _slots.Release();
        }

        _summaries.Record(call, summary);
        try
        {
            CallEnded?.Invoke(this, summary);
        }
        catch (Exception ex)
        {
            BotLog.ActionFailed(_logger, UserId, call.Session.Id, "CallEnded handler", ex);
        }
    }

    // ------------------------------------------------------------------ helpers

    private ActiveCall Track(CallSession session, CallDirection direction, int remoteUserId)
    {
        var call = _summaries.Begin(session, direction, remoteUserId);
        _calls[session.Id] = call;
        return call;
    }

    private void OnChatStateChanged(object? sender, ChatConnectionStateChangedEventArgs e)
    {
        BotLog.ChatState(_logger, UserId, e.Current.ToString());
        if (e.Current == ChatConnectionState.Online && e.Previous == ChatConnectionState.Reconnecting)
        {
            _telemetry.ChatReconnects.Add(1);
        }
    }
}
