namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One call (one <c>sessionID</c>), as the SDK's <c>WebRTCSession</c>: the caller dials every callee; a callee rings,
/// accepts or rejects; in a group each pair is its own peer connection and the smaller user id of two callees waits
/// for the larger one's offer. Public methods are safe from any thread: they run on the owning client's work queue.
/// </summary>
public sealed partial class CallSession
{
    private readonly ICallSessionHost _client;
    private readonly CallPeerTable _peers;
    private readonly CallPeerNegotiator _negotiator;
    private readonly CallSignalOutbox _outbox;
    private readonly CallCandidateTrickle _trickle;
    private readonly CallDialer _dialer;
    private readonly CallIceRestart _iceRestart;
    private readonly CallPeerConnectionEvents _connectionEvents;
    private readonly CallSessionTimers _timers;
    private volatile CallSessionState _state = CallSessionState.New;
    private readonly DateTimeOffset _startCallTime;
    private UserInfo? _acceptUserInfo;
    private bool _closeRaised;

    internal CallSession(ICallSessionHost client, string id, int initiatorId, int currentUserId, IReadOnlyList<int> opponentIds, CallType callType, int maxBandwidth, int remoteUserId)
    {
        _client = client;
        _timers = new CallSessionTimers(client);
        _peers = new CallPeerTable(initiatorId, currentUserId, opponentIds);
        _negotiator = new CallPeerNegotiator(client, id);
        _outbox = new CallSignalOutbox(client, this);
        _trickle = new CallCandidateTrickle(client, id, _outbox, _negotiator);
        _dialer = new CallDialer(client, _outbox, NotAnswered);
        _iceRestart = new CallIceRestart(id, _peers, _negotiator, _outbox, _trickle);
        _connectionEvents = new CallPeerConnectionEvents(client, this, _trickle, ReleaseAndCloseIfLast);
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
    public bool CanInitiateIceRestart(int userId) => _peers.IsOfferer(userId);

    /// <summary>Users this session has a peer connection slot for.</summary>
    public IReadOnlyCollection<int> PeerUserIds => _peers.UserIds;

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
        _client.Queue.InvokeAsync(() => _iceRestart.RestartAsync(userId, cancellationToken));

    /// <summary>Caps only what this side sends (SDK <c>session.setMaxBandwidth</c>).</summary>
    public Task SetMaxBandwidthAsync(int kbps) => _client.Queue.InvokeAsync(() =>
    {
        foreach (var link in _peers.Links)
        {
            link.Connection?.SetMaxBandwidth(kbps);
        }
        return Task.CompletedTask;
    });

    /// <summary>State of the pair with that user, or null when there is none.</summary>
    public Task<PeerLinkState?> GetPeerStateAsync(int userId) =>
        _client.Queue.InvokeAsync(() => Task.FromResult(_peers.TryGet(userId, out var link) ? link.State : (PeerLinkState?)null));

    /// <summary>How many <c>call</c> stanzas went to that user (first dial and re-dials).</summary>
    public Task<int> GetCallsSentAsync(int userId) =>
        _client.Queue.InvokeAsync(() => Task.FromResult(_peers.TryGet(userId, out var link) ? link.CallsSent : 0));

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
        var link = _peers.GetOrAddOfferer(userId);
        EnsureConnection(link);
        link.State = PeerLinkState.Connecting;
        link.LocalSdp = await _negotiator.CreateOfferAsync(link, iceRestart: false, ct);
        if (link.LocalSdp is null)
        {
            ReleaseAndCloseIfLast(link);
            return;
        }
        if (link.Released || !IsLive)
        {
            return;
        }
        _dialer.Start(link, userInfo, notifyNotAnswered);
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
        _timers.ClearAnswer();
        await AnswerAsync(InitiatorId, ct);

        var others = _peers.OtherCallees();
        if (others.Count > 0)
        {
            _timers.StartWaitingOfferOrAnswer(_startCallTime, NotAnsweredPairsNotConnecting);
            foreach (var other in others)
            {
                if (CurrentUserId > other)
                {
                    await CallInternalAsync(other, userInfo, notifyNotAnswered: true, ct);
                }
                else if (_peers.TryGet(other, out var link) && link.RemoteOffer is not null && !link.Answered)
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
        if (!_peers.TryGet(userId, out var link) || link.RemoteOffer is null || link.Released)
        {
            return; // no offer yet: answered when its call arrives
        }
        EnsureConnection(link);
        link.State = PeerLinkState.Connecting;
        if (await _negotiator.CreateAnswerAsync(link, link.RemoteOffer, iceRestart: false, ct) is not { } answer)
        {
            ReleaseAndCloseIfLast(link);
            return;
        }
        link.LocalSdp = answer;
        link.Answered = true;
        _outbox.SendAccept(userId, answer, _acceptUserInfo);
        _trickle.OnStable(link);
        await _trickle.FlushRemoteAsync(link, ct);
    }

    private Task EndAsync(CallSessionState endState, CallSignalType signalType, UserInfo userInfo)
    {
        _state = endState;
        _timers.ClearAnswer();
        _outbox.SendEnd(signalType, userInfo, _peers.Links);
        Close();
        return Task.CompletedTask;
    }

    // ---------------------------------------------------------------- helpers

    private void EnsureConnection(CallPeerLink link)
    {
        if (link.Connection is not null)
        {
            return;
        }
        var connection = _client.CreatePeerConnection(new CallPeerContext(Id, CurrentUserId, link.UserId, link.Role, CallType, MaxBandwidth));
        _connectionEvents.Attach(link, connection);
        link.Connection = connection;
    }

    /// <summary>The waiting-offer-or-answer timer expired: pairs that never started connecting count as not answered.</summary>
    private void NotAnsweredPairsNotConnecting()
    {
        foreach (var link in _peers.Links.Where(l => !l.Released && l.State is PeerLinkState.New or PeerLinkState.Connecting))
        {
            NotAnswered(link);
        }
    }

    private void NotAnswered(CallPeerLink link)
    {
        _timers.ClearWaiting();
        Release(link);
        CallLog.NotAnswered(_client.Logger, Id, link.UserId);
        _client.Raise(CallPeerEvent.UserNotAnswered, new CallPeerEventArgs(this, link.UserId, UserInfo.Empty));
        CloseIfAllReleased();
    }

    private void ReleaseAndCloseIfLast(CallPeerLink link)
    {
        Release(link);
        CloseIfAllReleased();
    }

    private void Release(CallPeerLink link)
    {
        if (link.Release() is { } connection)
        {
            _client.DisposePeerConnection(connection);
        }
    }

    /// <summary>Releases every pair and closes the session (SDK <c>close()</c>).</summary>
    internal void Close()
    {
        foreach (var link in _peers.Links)
        {
            Release(link);
        }
        MarkClosed();
    }

    private void CloseIfAllReleased()
    {
        if (_peers.AllReleased)
        {
            MarkClosed();
        }
    }

    private void MarkClosed()
    {
        _timers.ClearAll();
        _state = CallSessionState.Closed;
        if (_closeRaised)
        {
            return;
        }
        _closeRaised = true;
        _client.OnSessionClosed(this);
    }
}
