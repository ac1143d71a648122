using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The call layer of one bot identity (the SDK's <c>WebRTCClient</c>): reads call signals from an
/// <see cref="IChatTransport"/>, keeps one <see cref="CallSession"/> per session id, and raises the SDK's listener
/// events as .NET events: <see cref="IncomingCall"/> (onCallListener), <see cref="Accepted"/> (onAcceptCallListener),
/// <see cref="Rejected"/> (onRejectCallListener), <see cref="Stopped"/> (onStopCallListener), <see cref="UserNotAnswered"/>
/// (onUserNotAnswerListener), <see cref="ConnectionStateChanged"/> (onSessionConnectionStateChangedListener),
/// <see cref="SessionClosed"/> (onSessionCloseListener), <see cref="InvalidEvent"/> (onInvalidEventsListener) and
/// <see cref="Updated"/> (the <c>update</c> signal).
/// State is changed on one work queue; events are raised on another, in order, outside it, so a handler may call
/// back into a session. Live state is bounded: sessions in total and per remote user, queued stanzas, queued candidates.
/// </summary>
public sealed partial class CallClient : ICallSessionHost, IAsyncDisposable
{
    private readonly IChatTransport _transport;
    private readonly Dictionary<string, CallSession> _sessions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closedIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _closedOrder = new();
    private long _closedBytes;
    private readonly Lock _tableLock = new();
    private readonly long[] _drops = new long[Enum.GetValues<CallDropReason>().Length];
    private readonly SerialWorkQueue _events;
    private readonly SerialWorkQueue _sender;
    private readonly MessageIdGenerator _ids;
    private int _queuedIncoming;
    private int _disposed;

    public CallClient(
        IChatTransport transport,
        ICallPeerConnectionFactory peerFactory,
        CallClientOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<CallClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(peerFactory);
        Options = options ?? new CallClientOptions();
        Options.Validate();
        _transport = transport;
        PeerFactory = peerFactory;
        Time = timeProvider ?? TimeProvider.System;
        Logger = (ILogger?)logger ?? NullLogger.Instance;
        _ids = new MessageIdGenerator(Time);
        Queue = new SerialWorkQueue(Logger);
        _events = new SerialWorkQueue(Logger);
        _sender = new SerialWorkQueue(Logger);
        _transport.MessageReceived += OnMessageReceived;
    }

    private static readonly TimeSpan DisposeSendGrace = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _disposing = new();

    public event EventHandler<IncomingCallEventArgs>? IncomingCall;
    public event EventHandler<CallPeerEventArgs>? Accepted;
    public event EventHandler<CallPeerEventArgs>? Rejected;
    public event EventHandler<CallPeerEventArgs>? Stopped;
    public event EventHandler<CallPeerEventArgs>? UserNotAnswered;
    public event EventHandler<CallConnectionStateEventArgs>? ConnectionStateChanged;
    public event EventHandler<CallSessionEventArgs>? SessionClosed;
    public event EventHandler<CallPeerEventArgs>? InvalidEvent;
    public event EventHandler<CallUpdateEventArgs>? Updated;

    /// <summary>
    /// A received stanza was dropped (raised synchronously where it was counted, on the transport's or the work
    /// queue's thread; keep handlers cheap). The host counts these in its metrics.
    /// </summary>
    public event EventHandler<CallDropEventArgs>? SignalDropped;

    public CallClientOptions Options { get; }

    /// <summary>This bot's user id, read from the transport's bound JID.</summary>
    public int CurrentUserId => ChatJid.TryGetUserId(_transport.LocalJid, out var id) ? id : 0;

    /// <summary>Sessions still ringing or active.</summary>
    public IReadOnlyList<CallSession> Sessions
    {
        get
        {
            lock (_tableLock)
            {
                return [.. _sessions.Values];
            }
        }
    }

    public int LiveSessionCount
    {
        get
        {
            lock (_tableLock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Session ids remembered as ended (bounded by <see cref="CallClientOptions.ClosedSessionMemory"/>).</summary>
    public int RememberedClosedCount
    {
        get
        {
            lock (_tableLock)
            {
                return _closedIds.Count;
            }
        }
    }

    public long GetDropCount(CallDropReason reason) => Interlocked.Read(ref _drops[(int)reason]);

    public long TotalDrops
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _drops.Length; i++)
            {
                total += Interlocked.Read(ref _drops[i]);
            }
            return total;
        }
    }

    private ICallPeerConnectionFactory PeerFactory { get; }
    private TimeProvider Time { get; }
    private ILogger Logger { get; }
    private SerialWorkQueue Queue { get; }

    SerialWorkQueue ICallSessionHost.Queue => Queue;
    TimeProvider ICallSessionHost.Time => Time;
    ILogger ICallSessionHost.Logger => Logger;

    /// <summary>The SDK's <c>createNewSession(opponentsIDs, callType, {maxBandwidth})</c>. Call <see cref="CallSession.CallAsync"/> next.</summary>
    public CallSession CreateSession(IReadOnlyList<int> opponentIds, CallType callType = CallType.Video, int maxBandwidth = 0)
    {
        ArgumentNullException.ThrowIfNull(opponentIds);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var me = CurrentUserId;
        if (me == 0)
        {
            throw new InvalidOperationException("The chat transport has no bound JID yet; log in first.");
        }
        if (opponentIds.Count == 0 || opponentIds.Count > Options.MaxParticipants - 1)
        {
            throw new ArgumentException($"A P2P call has 1..{Options.MaxParticipants - 1} opponents.", nameof(opponentIds));
        }
        if (opponentIds.Any(id => id <= 0 || id == me) || opponentIds.Distinct().Count() != opponentIds.Count)
        {
            throw new ArgumentException("Opponents must be distinct positive user ids other than this user.", nameof(opponentIds));
        }
        var session = new CallSession(this, Guid.NewGuid().ToString(), me, me, [.. opponentIds], callType, maxBandwidth, remoteUserId: 0);
        lock (_tableLock)
        {
            if (_sessions.Count >= Options.MaxSessions)
            {
                throw new InvalidOperationException($"This client already has {Options.MaxSessions} live sessions.");
            }
            _sessions.Add(session.Id, session);
        }
        return session;
    }

    /// <summary>Completes once everything queued so far has been handled (tests, orderly shutdown).</summary>
    public Task WhenIdleAsync() => Queue.InvokeAsync(() => Task.CompletedTask);

    /// <summary>Completes once every event queued so far has been raised.</summary>
    public async Task WhenEventsRaisedAsync()
    {
        await WhenIdleAsync();
        await _events.InvokeAsync(() => Task.CompletedTask);
        await _sender.InvokeAsync(() => Task.CompletedTask);
    }

    // ---------------------------------------------------------------- what sessions use (ICallSessionHost)

    ICallPeerConnection ICallSessionHost.CreatePeerConnection(CallPeerContext context) => PeerFactory.Create(context);

    void ICallSessionHost.Send(CallSession session, int userId, CallSignal signal)
    {
        var jid = PeerJid(userId);
        var stanza = CallSignalCodec.Encode(signal with { Platform = Options.Platform }, jid, _ids.Next());
        CallLog.Sent(Logger, session.Id, signal.WireSignalType, userId);
        _sender.Post(async () =>
        {
            try
            {
                await _transport.SendMessageAsync(stanza, _disposing.Token).WaitAsync(_disposing.Token);
            }
            catch (Exception ex)
            {
                CallLog.SendFailed(Logger, jid, ex);
            }
        });
    }

    void ICallSessionHost.Raise(CallPeerEvent kind, CallPeerEventArgs args) => Raise(kind switch
    {
        CallPeerEvent.Accepted => static c => c.Accepted,
        CallPeerEvent.Rejected => static c => c.Rejected,
        CallPeerEvent.Stopped => static c => c.Stopped,
        CallPeerEvent.UserNotAnswered => static c => c.UserNotAnswered,
        CallPeerEvent.InvalidEvent => static c => c.InvalidEvent,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    }, args);

    void ICallSessionHost.RaiseConnectionStateChanged(CallConnectionStateEventArgs args) => Raise(static c => c.ConnectionStateChanged, args);

    void ICallSessionHost.RaiseUpdated(CallUpdateEventArgs args) => Raise(static c => c.Updated, args);

    private void Raise<T>(Func<CallClient, EventHandler<T>?> select, T args)
        where T : EventArgs
    {
        _events.Post(() =>
        {
            try
            {
                select(this)?.Invoke(this, args);
            }
            catch (Exception ex)
            {
                CallLog.HandlerFailed(Logger, ex);
            }
            return Task.CompletedTask;
        });
    }

    void ICallSessionHost.DisposePeerConnection(ICallPeerConnection connection) => _sender.Post(async () =>
    {
        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception ex)
        {
            CallLog.WorkFailed(Logger, ex);
        }
    });

    void ICallSessionHost.OnSessionClosed(CallSession session)
    {
        lock (_tableLock)
        {
            _sessions.Remove(session.Id);
            if (_closedIds.Add(session.Id))
            {
                _closedOrder.Enqueue(session.Id);
                _closedBytes += ClosedIdCost(session.Id);
                while (_closedOrder.Count > Options.ClosedSessionMemory || _closedBytes > Options.ClosedSessionMemoryBytes)
                {
                    var oldest = _closedOrder.Dequeue();
                    _closedIds.Remove(oldest);
                    _closedBytes -= ClosedIdCost(oldest);
                }
            }
        }
        CallLog.SessionClosed(Logger, session.Id, session.State);
        Raise(c => c.SessionClosed, new CallSessionEventArgs(session));
    }

    /// <summary>What one remembered id costs: its UTF-16 text, the string header, and its hash-set and queue slots.</summary>
    private static long ClosedIdCost(string id) => (2L * id.Length) + 64;

    /// <summary>Bytes the remembered closed ids take (see <see cref="CallClientOptions.ClosedSessionMemoryBytes"/>).</summary>
    public long RememberedClosedBytes
    {
        get
        {
            lock (_tableLock)
            {
                return _closedBytes;
            }
        }
    }

    void ICallSessionHost.CountDrop(CallDropReason reason, string? detail, string? sessionId, int userId) =>
        CountDrop(reason, detail, sessionId, userId);

    private void CountDrop(CallDropReason reason, string? detail, string? sessionId, int userId)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        CallLog.Dropped(Logger, reason, LogText.Truncate(detail), sessionId, userId);
        try
        {
            SignalDropped?.Invoke(this, new CallDropEventArgs(reason));
        }
        catch (Exception ex)
        {
            CallLog.HandlerFailed(Logger, ex);
        }
    }

    private string PeerJid(int userId)
    {
        var local = _transport.LocalJid;
        var appId = Options.AppId ?? ChatJid.AppId(local);
        var domain = Options.ChatDomain ?? ChatJid.Domain(local);
        return string.IsNullOrEmpty(appId)
            ? string.Create(CultureInfo.InvariantCulture, $"{userId}@{domain}")
            : ChatJid.ForUser(userId, appId, domain);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _transport.MessageReceived -= OnMessageReceived;

        // A send still waiting for a chat that is offline (queued until reconnect) must not hold disposal forever.
        _disposing.CancelAfter(DisposeSendGrace);
        await Queue.InvokeAsync(() =>
        {
            foreach (var session in Sessions)
            {
                session.Close();
            }
            return Task.CompletedTask;
        });
        await Queue.DisposeAsync();
        await _sender.DisposeAsync();
        await _events.DisposeAsync();
        _disposing.Dispose();
    }
}
