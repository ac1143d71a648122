using System.Xml.Linq;
using CallBot.Signaling.Xmpp.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Signaling.Xmpp;

/// <summary>
/// XMPP client for ConnectyCube chat over WebSocket (RFC 7395) or TCP (RFC 6120). Call <see cref="ConnectAsync"/> once;
/// after that the client keeps itself online: a lost connection is re-established with exponential backoff and jitter,
/// for as long as the client lives. A refused login stops it (<see cref="XmppAuthenticationException"/>): a wrong
/// password does not fix itself, and hammering the server risks an account lockout; the owner decides what next.
/// With XEP-0198 offered, a dropped stream is resumed: messages that arrived meanwhile are delivered and unacknowledged
/// sends are resent.
/// </summary>
public sealed class XmppClient : IChatTransport, IChatReconnect
{
    private readonly XmppClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CertificateTrust _trust;
    private readonly XmppConnectRetry _connectRetry;
    private readonly XmppSendQueue _queue;
    private readonly StreamManagementState? _sm;
    private int _resumes;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _firstOnline = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private XmppSession? _session;
    private ChatConnectionState _state = ChatConnectionState.Disconnected;
    private string _jid = string.Empty;
    private int _connectAttempts;
    private long _refused;
    private string? _lastPassword;
    private bool _disposed;

    public XmppClient(XmppClientOptions options, ILogger<XmppClient>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger<XmppClient>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _trust = new CertificateTrust(options);
        if (options.DangerousAcceptAnyServerCertificate)
        {
            XmppLog.CertificateValidationOff(_logger, options.Endpoint!);
        }
        if (!options.IsEncryptedOrLoopback)
        {
            XmppLog.UnencryptedAllowed(_logger, options.Endpoint!);
        }
        _queue = new XmppSendQueue(options.OfflineQueueCapacity);
        _sm = options.EnableStreamManagement ? new StreamManagementState() : null;
        _connectRetry = new XmppConnectRetry(options, _time, _logger, error => LastError = error, failure => RaiseSafely(ConnectAttemptFailed, failure));
    }

    public string LocalJid => Volatile.Read(ref _jid);

    public ChatConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Connection attempts made so far (each TCP/WebSocket connect counts once).</summary>
    public int ConnectAttempts => Volatile.Read(ref _connectAttempts);

    /// <summary>Why the last attempt or connection failed; null while nothing failed.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Reconnects that resumed the previous session (XEP-0198) instead of starting a new one.</summary>
    public int ResumeCount => Volatile.Read(ref _resumes);

    /// <summary>Stanzas waiting for the connection to come back.</summary>
    public int QueuedCount => _queue.Count;

    public event EventHandler<ChatConnectionStateChangedEventArgs>? StateChanged;

    public event EventHandler<ChatMessageReceivedEventArgs>? MessageReceived;

    /// <summary>
    /// The server sent something this client refused (an element too deep, an IQ reply from the wrong sender, input
    /// that cost the connection). Raised on the read loop; keep handlers cheap. The host counts these in its metrics.
    /// </summary>
    public event EventHandler<XmppInputRefusedEventArgs>? InputRefused;

    /// <summary>Inputs refused so far (see <see cref="InputRefused"/>).</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    /// <summary>
    /// A connect attempt failed and another one is scheduled after <see cref="XmppConnectAttemptFailedEventArgs.RetryDelay"/>.
    /// Raised after the retry's delay timer is registered on the client's <see cref="TimeProvider"/>: advancing that clock
    /// by RetryDelay from the handler (or after it) starts the next attempt.
    /// </summary>
    public event EventHandler<XmppConnectAttemptFailedEventArgs>? ConnectAttemptFailed;

    /// <summary>
    /// Starts the client (once) and waits until it is online. Throws <see cref="XmppAuthenticationException"/> when the
    /// login is refused. Cancelling stops the wait, not the client; dispose the client to stop it.
    /// Calling again after an authentication failure starts a new attempt.
    /// </summary>
    public Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task online;
        lock (_gate)
        {
            if (_loop is null || _loop.IsCompleted)
            {
                if (_firstOnline.Task.IsCompleted)
                {
                    _firstOnline = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                _loop = Task.Run(() => RunGuardedAsync(_stop.Token), CancellationToken.None);
            }
            online = _firstOnline.Task;
        }
        return online.WaitAsync(cancellationToken);
    }

    public async Task SendMessageAsync(XElement message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (message.Name.LocalName != "message")
        {
            throw new ArgumentException("SendMessageAsync sends <message> stanzas only.", nameof(message));
        }
        string xml = XmppStanzaText.SerializeFromApp(message);
        XmppSession? session;
        Task? queued;
        lock (_gate)
        {
            session = _session;
            queued = session is null ? EnqueueLocked(xml) : null;
        }
        if (queued is not null)
        {
            await queued.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await session!.SendSerializedAsync(xml, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmppStreamException or ObjectDisposedException or System.Net.WebSockets.WebSocketException or IOException)
        {
            // The connection died under this send; the stanza never left, so it waits for the next one (or fails fast).
            lock (_gate)
            {
                queued = EnqueueLocked(xml);
            }
            await queued.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var session = CurrentSession() ?? throw new XmppOfflineException("cannot ping while offline");
        await session.PingAsync(timeout, cancellationToken).ConfigureAwait(false);
    }

    private Task EnqueueLocked(string xml)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_options.OfflineSendPolicy == OfflineSendPolicy.FailFast)
        {
            throw new XmppOfflineException($"XMPP client is {_state}; offline send policy is FailFast");
        }
        return _queue.TryEnqueue(xml)
            ?? throw new XmppSendQueueFullException($"offline queue holds {_options.OfflineQueueCapacity} stanzas already");
    }

    /// <summary>A bug in the loop must surface as a state and an error, not as a silently dead client.</summary>
    private async Task RunGuardedAsync(CancellationToken stop)
    {
        try
        {
            await RunLoopAsync(stop).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Last line of defence: report, never let it escape to the thread pool.
        catch (Exception ex) when (!stop.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LastError = ex;
            XmppLog.LoopFailed(_logger, ex);
            _queue.FailAll(ex);
            SetState(ChatConnectionState.Disconnected, ex);
            _firstOnline.TrySetException(ex);
        }
    }

    private async Task RunLoopAsync(CancellationToken stop)
    {
        bool first = true;
        bool passwordRenewed = false;
        while (!stop.IsCancellationRequested)
        {
            SetState(first ? ChatConnectionState.Connecting : ChatConnectionState.Reconnecting, first ? null : LastError);
            XmppSession session;
            try
            {
                session = await _connectRetry.Pipeline.ExecuteAsync(ConnectOnceAsync, stop).ConfigureAwait(false);
            }
            catch (XmppAuthenticationException ex)
            {
                LastError = ex;
                if (!passwordRenewed && _options.PasswordSource is { } source && Volatile.Read(ref _lastPassword) is { } refused
                    && await source.RefusedAsync(refused, stop).ConfigureAwait(false))
                {
                    // A session token used as the password expired on the server: one login with a renewed one, at once.
                    passwordRenewed = true;
                    continue;
                }

                XmppLog.AuthenticationFailed(_logger, _options.UserName, _options.Endpoint!, ex.Condition ?? "failure");
                _queue.FailAll(ex);
                SetState(ChatConnectionState.Disconnected, ex);
                _firstOnline.TrySetException(ex);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            first = false;
            passwordRenewed = false;
            Exception fault;
            using (var sessionStop = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                try
                {
                    await GoOnlineAsync(session, stop).ConfigureAwait(false);
                    _firstOnline.TrySetResult();
                    var reading = session.RunAsync(RaiseMessage, sessionStop.Token);
                    var keepAlive = XmppKeepAlive.RunAsync(session, _options, _time, _logger, sessionStop.Token);
                    var ended = await Task.WhenAny(reading, keepAlive).ConfigureAwait(false);
                    await sessionStop.CancelAsync().ConfigureAwait(false);
                    fault = ended.Exception?.GetBaseException() ?? new XmppStreamException("connection ended");
                    await Task.WhenAll(reading, keepAlive).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    fault = ex;
                }
            }
            lock (_gate)
            {
                // From here sends queue (or fail fast) even before the state event below goes out.
                _session = null;
            }
            if (stop.IsCancellationRequested)
            {
                await CloseQuietlyAsync(session).ConfigureAwait(false);
                await session.DisposeAsync().ConfigureAwait(false);
                return;
            }
            LastError = fault;
            XmppLog.ConnectionLost(_logger, _options.Endpoint!, session.ReadState, fault.Message);
            if (fault is XmppStreamException { IsBadInput: true })
            {
                OnRefused("bad-input");
                // Resuming would make the server replay the stanza we just refused, forever.
                _sm?.ForgetSession();
            }
            await session.DisposeAsync().ConfigureAwait(false);
            SetState(ChatConnectionState.Reconnecting, fault);
        }
    }

    private void OnRefused(string reason)
    {
        Interlocked.Increment(ref _refused);
        RaiseSafely(InputRefused, new XmppInputRefusedEventArgs(reason));
    }

    private async ValueTask<XmppSession> ConnectOnceAsync(CancellationToken stop)
    {
        Interlocked.Increment(ref _connectAttempts);
        string? password = null;
        if (_options.PasswordSource is { } source)
        {
            password = await source.GetPasswordAsync(stop).ConfigureAwait(false);
            Volatile.Write(ref _lastPassword, password);
        }

        IXmppTransport transport = _options.Endpoint!.Scheme == "tcp"
            ? new TcpXmppTransport(_options, _trust)
            : new WebSocketXmppTransport(_options, _trust);
        var session = new XmppSession(transport, _options, _time, _logger, _sm, OnRefused, password);
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            await session.NegotiateAsync(linked.Token).ConfigureAwait(false);
            return session;
        }
        catch (OperationCanceledException ex) when (!stop.IsCancellationRequested)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"login did not finish within {_options.ConnectTimeout} (reader: {session.ReadState})", ex);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends what waited while offline, in order, then flips to Online (under the gate, so no send overtakes the queue).</summary>
    private async Task GoOnlineAsync(XmppSession session, CancellationToken stop)
    {
        Volatile.Write(ref _jid, session.Jid);
        if (session.Resumed)
        {
            Interlocked.Increment(ref _resumes);
            XmppLog.Resumed(_logger, session.Jid);
        }
        int flushed = 0;
        ChatConnectionState previous;
        while (true)
        {
            XmppSendQueue.Item? next;
            lock (_gate)
            {
                next = _queue.Peek();
                if (next is null)
                {
                    previous = _state;
                    _state = ChatConnectionState.Online;
                    _session = session;
                    break;
                }
            }
            await session.SendSerializedAsync(next.Xml, stop).ConfigureAwait(false);
            _queue.CompleteHead(next);
            flushed++;
        }
        if (flushed > 0)
        {
            XmppLog.Flushed(_logger, flushed);
        }
        XmppLog.Online(_logger, session.Jid, session.TransportName);
        RaiseState(previous, ChatConnectionState.Online, null);
    }

    /// <summary>
    /// Drops the current connection as a network failure would (the loop reconnects, resuming the stream when it can, and
    /// sends what queued meanwhile) and completes once online again.
    /// </summary>
    public async Task ReconnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var online = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnState(object? sender, ChatConnectionStateChangedEventArgs e)
        {
            if (e.Current == ChatConnectionState.Online)
            {
                online.TrySetResult();
            }
        }

        StateChanged += OnState;
        try
        {
            await DropConnectionForTestsAsync().ConfigureAwait(false);
            await online.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            StateChanged -= OnState;
        }
    }

    /// <summary>Cuts the current connection as a network failure would (<see cref="ReconnectAsync"/>; a test hook too).</summary>
    internal async Task DropConnectionForTestsAsync()
    {
        if (CurrentSession() is { } session)
        {
            await session.AbortAsync().ConfigureAwait(false);
        }
    }

    private XmppSession? CurrentSession()
    {
        lock (_gate)
        {
            return _session;
        }
    }

    private void RaiseMessage(XElement message) => RaiseSafely(MessageReceived, new ChatMessageReceivedEventArgs(message));

    private void RaiseSafely<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
#pragma warning disable CA1031 // A subscriber's bug must not take the connection down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            XmppLog.HandlerFailed(_logger, ex);
        }
    }

    private void SetState(ChatConnectionState next, Exception? error)
    {
        ChatConnectionState previous;
        lock (_gate)
        {
            previous = _state;
            _state = next;
        }
        RaiseState(previous, next, error);
    }

    private void RaiseState(ChatConnectionState previous, ChatConnectionState next, Exception? error)
    {
        if (previous != next)
        {
            RaiseSafely(StateChanged, new ChatConnectionStateChangedEventArgs(previous, next, error));
        }
    }

    private static async Task CloseQuietlyAsync(XmppSession session)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await session.CloseAsync(cts.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing politely is best effort.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            loop = _loop;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _queue.FailAll(new ObjectDisposedException(nameof(XmppClient)));
        _firstOnline.TrySetException(new ObjectDisposedException(nameof(XmppClient)));
        SetState(ChatConnectionState.Closed, null);
        _stop.Dispose();
    }
}
