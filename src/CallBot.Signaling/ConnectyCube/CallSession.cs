using System.Collections.Concurrent;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One call (one <c>sessionID</c>), as the SDK's <c>WebRTCSession</c>: the caller dials every callee; a callee rings,
/// accepts or rejects; in a group each pair is its own peer connection and the smaller user id of two callees waits
/// for the larger one's offer. Public methods are safe from any thread: they run on the owning client's work queue.
/// </summary>
public sealed partial class CallSession
{
    private readonly CallClient _client;
    private readonly Dictionary<int, CallPeerLink> _links = [];
    private readonly ConcurrentDictionary<int, PeerRole> _roles = new();
    private volatile CallSessionState _state = CallSessionState.New;
    private ITimer? _answerTimer;
    private ITimer? _waitingTimer;
    private readonly DateTimeOffset _startCallTime;
    private UserInfo? _acceptUserInfo;
    private bool _closeRaised;

    internal CallSession(CallClient client, string id, int initiatorId, int currentUserId, IReadOnlyList<int> opponentIds, CallType callType, int maxBandwidth, int remoteUserId)
    {
        _client = client;
        Id = id;
        InitiatorId = initiatorId;
        CurrentUserId = currentUserId;
        OpponentIds = opponentIds;
        CallType = callType;
        MaxBandwidth = maxBandwidth;
        RemoteUserId = remoteUserId;
        _startCallTime = client.Time.GetUtcNow();
    }

    public string Id { get; }

    public int InitiatorId { get; }

    public int CurrentUserId { get; }

    /// <summary>The <c>opponentsIDs</c> of the call: every callee (for a callee, itself included).</summary>
    public IReadOnlyList<int> OpponentIds { get; }

    public CallType CallType { get; }

    public bool IsInitiator => InitiatorId == CurrentUserId;

    public CallSessionState State => _state;

    /// <summary>The call-wide cap in kbit/s from <c>userInfo.maxBandwidth</c> (0 = none).</summary>
    public int MaxBandwidth { get; private set; }

    /// <summary>For an incoming call, the user whose <c>call</c> created it; for an outgoing one, 0.</summary>
    internal int RemoteUserId { get; }

    internal bool IsLive => _state is CallSessionState.New or CallSessionState.Active;

    /// <summary>The SDK's <c>canInitiateIceRestart(userID)</c>: true when this side made the offer to that peer.</summary>
    public bool CanInitiateIceRestart(int userId) => _roles.TryGetValue(userId, out var role) && role == PeerRole.Offerer;

    /// <summary>Users this session has a peer connection slot for.</summary>
    public IReadOnlyCollection<int> PeerUserIds => [.. _roles.Keys];

    /// <summary>Caller: sends <c>call</c> to every opponent and re-dials until answered (SDK <c>session.call(extension)</c>).</summary>
    public Task CallAsync(UserInfo? userInfo = null, CancellationToken cancellationToken = default) =>
        _client.Queue.InvokeAsync(() => CallCoreAsync(userInfo ?? UserInfo.Empty, cancellationToken));

    /// <summary>Callee: answers the initiator and, in a group, offers to every other callee with a smaller id.</summary>
    public Task AcceptAsync(UserInfo? userInfo = null, CancellationToken cancellationToken = default) =>
        _client.Queue.InvokeAsync(() => AcceptCoreAsync(userInfo ?? UserInfo.Empty, cancellationToken));

    /// <summary>Callee: sends <c>reject</c> to every peer and closes.</summary>
    public Task RejectAsync(UserInfo? userInfo = null, CancellationToken cancellationToken = default) =>
        _client.Queue.InvokeAsync(() => EndAsync(CallSessionState.Rejected, CallSignalType.Reject, userInfo ?? UserInfo.Empty));

    /// <summary>Anyone: sends <c>hangUp</c> to every peer and closes (SDK <c>session.stop</c>).</summary>
    public Task StopAsync(UserInfo? userInfo = null, CancellationToken cancellationToken = default) =>
        _client.Queue.InvokeAsync(() => EndAsync(CallSessionState.Stopped, CallSignalType.HangUp, userInfo ?? UserInfo.Empty));

    /// <summary>Offerer side: a new offer with fresh ICE credentials, sent as <c>iceRestart</c>.</summary>
    public Task IceRestartAsync(int userId, CancellationToken cancellationToken = default) =>
        _client.Queue.InvokeAsync(() => IceRestartCoreAsync(userId, cancellationToken));

    /// <summary>Caps only what this side sends (SDK <c>session.setMaxBandwidth</c>).</summary>
    public Task SetMaxBandwidthAsync(int kbps) => _client.Queue.InvokeAsync(() =>
    {
        foreach (var link in _links.Values)
        {
            link.Connection?.SetMaxBandwidth(kbps);
        }
        return Task.CompletedTask;
    });

    /// <summary>State of the pair with that user, or null when there is none.</summary>
    public Task<PeerLinkState?> GetPeerStateAsync(int userId) =>
        _client.Queue.InvokeAsync(() => Task.FromResult(_links.TryGetValue(userId, out var link) ? link.State : (PeerLinkState?)null));

    /// <summary>How many <c>call</c> stanzas went to that user (first dial and re-dials).</summary>
    public Task<int> GetCallsSentAsync(int userId) =>
        _client.Queue.InvokeAsync(() => Task.FromResult(_links.TryGetValue(userId, out var link) ? link.CallsSent : 0));

    public override string ToString() => $"{Id} initiator {InitiatorId} me {CurrentUserId} [{string.Join(',', OpponentIds)}] {State}";

    // ---------------------------------------------------------------- local actions (on the queue)

    private async Task CallCoreAsync(UserInfo userInfo, CancellationToken ct)
    {
        if (!IsInitiator)
        {
            throw new InvalidOperationException("Only the initiator calls; a callee accepts.");
        }
        if (_state != CallSessionState.New)
        {
            return;
        }
        _state = CallSessionState.Active;
        if (userInfo.MaxBandwidth is { } cap)
        {
            MaxBandwidth = cap;
        }
        else if (MaxBandwidth > 0)
        {
            userInfo = userInfo.WithMaxBandwidth(MaxBandwidth);
        }
        foreach (var opponent in OpponentIds)
        {
            await CallInternalAsync(opponent, userInfo, notifyNotAnswered: true, ct);
        }
    }

    private async Task CallInternalAsync(int userId, UserInfo userInfo, bool notifyNotAnswered, CancellationToken ct)
    {
        var link = GetOrAddLink(userId, PeerRole.Offerer);
        link.Role = PeerRole.Offerer;
        _roles[userId] = PeerRole.Offerer;
        var connection = EnsureConnection(link);
        link.State = PeerLinkState.Connecting;
        try
        {
            link.LocalSdp = await connection.CreateOfferAsync(iceRestart: false, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, userId, "create offer", ex);
            Release(link);
            CloseIfAllReleased();
            return;
        }
        if (link.Released || !IsLive)
        {
            return;
        }
        StartDialing(link, userInfo, notifyNotAnswered);
    }

    private void StartDialing(CallPeerLink link, UserInfo userInfo, bool notifyNotAnswered)
    {
        link.ClearDialing();
        link.DialUserInfo = userInfo;
        link.NotifyNotAnswered = notifyNotAnswered;
        SendCall(link);
        var interval = _client.Options.DialingTimeInterval;
        link.DialTimer = _client.Time.CreateTimer(_ => _client.Queue.Post(() => DialTick(link)), null, interval, interval);
    }

    /// <summary>The SDK's dialing callback: count the interval, give up at answerTimeInterval, else re-send.</summary>
    private Task DialTick(CallPeerLink link)
    {
        if (link.DialTimer is null || link.Released)
        {
            return Task.CompletedTask;
        }
        link.DialElapsed += _client.Options.DialingTimeInterval;
        if (link.DialElapsed >= _client.Options.AnswerTimeInterval)
        {
            link.ClearDialing();
            if (link.NotifyNotAnswered)
            {
                NotAnswered(link);
            }
        }
        else
        {
            SendCall(link);
        }
        return Task.CompletedTask;
    }

    private void SendCall(CallPeerLink link)
    {
        link.CallsSent++;
        Send(link.UserId, new CallSignal
        {
            Type = CallSignalType.Call,
            SessionId = Id,
            CallType = CallType,
            CallerId = InitiatorId,
            OpponentIds = OpponentIds,
            Sdp = link.LocalSdp,
            UserInfo = SignalUserInfo.Prepare(link.DialUserInfo),
        });
    }

    private async Task AcceptCoreAsync(UserInfo userInfo, CancellationToken ct)
    {
        if (IsInitiator)
        {
            throw new InvalidOperationException("The initiator cannot accept its own call.");
        }
        if (_state == CallSessionState.Active)
        {
            return;
        }
        if (_state != CallSessionState.New)
        {
            // The SDK answers an accept on a closed session with a stop, so the peers don't wait for us.
            await EndAsync(CallSessionState.Stopped, CallSignalType.HangUp, UserInfo.Empty);
            return;
        }
        _state = CallSessionState.Active;
        _acceptUserInfo = userInfo;
        ClearAnswerTimer();
        await AnswerAsync(InitiatorId, ct);

        var others = OtherCallees();
        if (others.Count > 0)
        {
            StartWaitingOfferOrAnswerTimer();
            foreach (var other in others)
            {
                if (CurrentUserId > other)
                {
                    await CallInternalAsync(other, userInfo, notifyNotAnswered: true, ct);
                }
                else if (_links.TryGetValue(other, out var link) && link.RemoteOffer is not null && !link.Answered)
                {
                    // Its offer came before our accept: answer now instead of waiting for its next re-dial.
                    await AnswerAsync(other, ct);
                }
            }
        }
    }

    /// <summary>The SDK's <c>acceptInternal</c>: answer the stored offer of that peer, then release queued candidates.</summary>
    private async Task AnswerAsync(int userId, CancellationToken ct)
    {
        if (!_links.TryGetValue(userId, out var link) || link.RemoteOffer is null || link.Released)
        {
            return; // no offer yet: answered when its call arrives
        }
        var connection = EnsureConnection(link);
        link.State = PeerLinkState.Connecting;
        string answer;
        try
        {
            answer = await connection.CreateAnswerAsync(link.RemoteOffer, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, userId, "create answer", ex);
            Release(link);
            CloseIfAllReleased();
            return;
        }
        link.LocalSdp = answer;
        link.Answered = true;
        Send(userId, new CallSignal
        {
            Type = CallSignalType.Accept,
            SessionId = Id,
            CallType = CallType,
            CallerId = InitiatorId,
            OpponentIds = OpponentIds,
            Sdp = answer,
            UserInfo = SignalUserInfo.Prepare(_acceptUserInfo),
        });
        MarkStable(link);
        await FlushRemoteCandidatesAsync(link, ct);
    }

    private Task EndAsync(CallSessionState endState, CallSignalType signalType, UserInfo userInfo)
    {
        _state = endState;
        ClearAnswerTimer();
        foreach (var userId in _links.Keys)
        {
            Send(userId, new CallSignal
            {
                Type = signalType,
                SessionId = Id,
                CallType = CallType,
                CallerId = InitiatorId,
                OpponentIds = OpponentIds,
                UserInfo = SignalUserInfo.Prepare(userInfo),
            });
        }
        Close();
        return Task.CompletedTask;
    }

    private async Task IceRestartCoreAsync(int userId, CancellationToken ct)
    {
        if (!_links.TryGetValue(userId, out var link) || link.Connection is null || link.Released)
        {
            throw new InvalidOperationException($"No peer connection with user {userId} in session {Id}.");
        }
        if (link.Role != PeerRole.Offerer)
        {
            throw new InvalidOperationException($"Only the side that made the offer restarts ICE (canInitiateIceRestart({userId}) is false).");
        }
        link.Stable = false;
        string offer;
        try
        {
            offer = await link.Connection.CreateOfferAsync(iceRestart: true, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, userId, "ICE restart offer", ex);
            return;
        }
        link.LocalSdp = offer;
        Send(userId, new CallSignal { Type = CallSignalType.IceRestart, SessionId = Id, Sdp = offer });
    }

    // ---------------------------------------------------------------- helpers

    private List<int> OtherCallees()
    {
        var others = new List<int>();
        foreach (var id in OpponentIds)
        {
            if (id != CurrentUserId && id != InitiatorId && !others.Contains(id))
            {
                others.Add(id);
            }
        }
        return others;
    }

    private CallPeerLink GetOrAddLink(int userId, PeerRole role)
    {
        if (!_links.TryGetValue(userId, out var link))
        {
            link = new CallPeerLink(userId, role);
            _links[userId] = link;
            _roles[userId] = role;
        }
        return link;
    }

    private ICallPeerConnection EnsureConnection(CallPeerLink link)
    {
        if (link.Connection is { } existing)
        {
            return existing;
        }
        var connection = _client.PeerFactory.Create(new CallPeerContext(Id, CurrentUserId, link.UserId, link.Role, CallType, MaxBandwidth));
        connection.LocalCandidate += (_, candidate) => _client.Queue.Post(() => OnLocalCandidate(link, connection, candidate));
        connection.IceStateChanged += (_, state) => _client.Queue.Post(() => OnIceState(link, connection, state));
        link.Connection = connection;
        return connection;
    }

    private void MarkStable(CallPeerLink link)
    {
        link.Stable = true;
        if (link.PendingLocal.Count > 0)
        {
            SendCandidates(link.UserId, [.. link.PendingLocal]);
            link.PendingLocal.Clear();
        }
    }

    private void SendCandidates(int userId, IReadOnlyList<IceCandidateInit> candidates) =>
        Send(userId, new CallSignal
        {
            Type = CallSignalType.IceCandidates,
            SessionId = Id,
            CallType = CallType,
            CallerId = InitiatorId,
            OpponentIds = OpponentIds,
            IceCandidates = candidates,
        });

    private async Task FlushRemoteCandidatesAsync(CallPeerLink link, CancellationToken ct)
    {
        if (link.PendingRemote.Count == 0 || link.Connection is null)
        {
            return;
        }
        IceCandidateInit[] pending = [.. link.PendingRemote];
        link.PendingRemote.Clear();
        await AddRemoteCandidatesAsync(link, pending, ct);
    }

    private async Task AddRemoteCandidatesAsync(CallPeerLink link, IReadOnlyList<IceCandidateInit> candidates, CancellationToken ct)
    {
        var usable = new List<IceCandidateInit>(candidates.Count);
        foreach (var c in candidates)
        {
            if (!string.IsNullOrEmpty(c.Candidate))
            {
                usable.Add(c);
            }
        }
        if (usable.Count == 0 || link.Connection is null)
        {
            return;
        }
        try
        {
            await link.Connection.AddRemoteCandidatesAsync(usable, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, link.UserId, "add remote candidates", ex);
        }
    }

    private void Send(int userId, CallSignal signal) => _client.SendSignal(this, userId, signal);

    private void StartAnswerTimer()
    {
        if (_answerTimer is not null)
        {
            return;
        }
        _answerTimer = _client.Time.CreateTimer(
            _ => _client.Queue.Post(() =>
            {
                if (_answerTimer is not null)
                {
                    _answerTimer.Dispose();
                    _answerTimer = null;
                    Close();
                }
                return Task.CompletedTask;
            }),
            null, _client.Options.AnswerTimeInterval, Timeout.InfiniteTimeSpan);
    }

    private void ClearAnswerTimer()
    {
        _answerTimer?.Dispose();
        _answerTimer = null;
    }

    /// <summary>
    /// The SDK's <c>startWaitingOfferOrAnswerTimer</c>: after a group accept, pairs that never started connecting within
    /// answerTimeInterval minus the time already spent ringing (at most half of it, at least 1 s) count as not answered.
    /// </summary>
    private void StartWaitingOfferOrAnswerTimer()
    {
        var answer = _client.Options.AnswerTimeInterval;
        var waited = _client.Time.GetUtcNow() - _startCallTime;
        var diff = waited < answer / 2 ? waited : answer / 2;
        var timeout = answer - diff;
        if (timeout < TimeSpan.FromSeconds(1))
        {
            timeout = TimeSpan.FromSeconds(1);
        }
        _waitingTimer?.Dispose();
        _waitingTimer = _client.Time.CreateTimer(
            _ => _client.Queue.Post(() =>
            {
                if (_waitingTimer is null)
                {
                    return Task.CompletedTask;
                }
                _waitingTimer.Dispose();
                _waitingTimer = null;
                foreach (var link in _links.Values.ToArray())
                {
                    if (!link.Released && link.State is PeerLinkState.New or PeerLinkState.Connecting)
                    {
                        NotAnswered(link);
                    }
                }
                return Task.CompletedTask;
            }),
            null, timeout, Timeout.InfiniteTimeSpan);
    }

    private void ClearWaitingTimer()
    {
        _waitingTimer?.Dispose();
        _waitingTimer = null;
    }

    private void NotAnswered(CallPeerLink link)
    {
        ClearWaitingTimer();
        Release(link);
        CallLog.NotAnswered(_client.Logger, Id, link.UserId);
        _client.RaiseUserNotAnswered(new CallPeerEventArgs(this, link.UserId, UserInfo.Empty));
        CloseIfAllReleased();
    }

    private void Release(CallPeerLink link)
    {
        if (link.Released)
        {
            return;
        }
        link.Released = true;
        link.ClearDialing();
        link.ClearReconnect();
        link.State = PeerLinkState.Closed;
        link.PendingLocal.Clear();
        link.PendingRemote.Clear();
        if (link.Connection is { } connection)
        {
            _client.DisposeConnection(connection);
        }
    }

    /// <summary>Releases every pair and closes the session (SDK <c>close()</c>).</summary>
    internal void Close()
    {
        foreach (var link in _links.Values)
        {
            Release(link);
        }
        ClearAnswerTimer();
        ClearWaitingTimer();
        _state = CallSessionState.Closed;
        RaiseClosed();
    }

    private void CloseIfAllReleased()
    {
        foreach (var link in _links.Values)
        {
            if (!link.Released)
            {
                return;
            }
        }
        ClearAnswerTimer();
        ClearWaitingTimer();
        _state = CallSessionState.Closed;
        RaiseClosed();
    }

    private void RaiseClosed()
    {
        if (_closeRaised)
        {
            return;
        }
        _closeRaised = true;
        _client.OnSessionClosed(this);
    }
}
