namespace CallBot.Signaling.ConnectyCube;

/// <summary>What a session does with each incoming signal (the SDK's <c>processOn…</c> methods). Runs on the work queue.</summary>
public sealed partial class CallSession
{
    /// <summary>Everyone this user has a pair with in this call: the initiator and the other callees.</summary>
    internal bool IsParticipant(int userId) =>
        userId != CurrentUserId && (userId == InitiatorId || OpponentIds.Contains(userId));

    /// <summary>The SDK's <c>processOnCall</c>: make a slot for every peer; store the sender's offer; in a group, answer it once active.</summary>
    internal async Task<CallDropReason?> OnCallAsync(int fromUserId, CallSignal signal, bool isNew)
    {
        CallDropReason? outcome = isNew ? null : CallDropReason.DuplicateCall;
        var peers = new List<int> { InitiatorId };
        peers.AddRange(OtherCallees());
        foreach (var peer in peers)
        {
            if (_links.TryGetValue(peer, out var link))
            {
                if (peer != fromUserId || link.Released || link.Answered)
                {
                    continue;
                }
                if (link.Role != PeerRole.Answerer)
                {
                    outcome = CallDropReason.UnexpectedForPeer; // glare: we are the offerer on this pair
                    continue;
                }
                if (!string.IsNullOrEmpty(signal.Sdp))
                {
                    if (link.RemoteOffer is null)
                    {
                        outcome = null; // a mesh peer's first offer, kept until we accept
                    }
                    link.RemoteOffer = signal.Sdp;
                }
                if (_state == CallSessionState.Active)
                {
                    await AnswerAsync(peer, CancellationToken.None);
                    outcome = null;
                }
            }
            else
            {
                // The initiator always offers to us; between two callees the larger id offers.
                var role = peer != InitiatorId && peer != fromUserId && CurrentUserId > peer ? PeerRole.Offerer : PeerRole.Answerer;
                link = GetOrAddLink(peer, role);
                if (peer == fromUserId)
                {
                    link.RemoteOffer = string.IsNullOrEmpty(signal.Sdp) ? null : signal.Sdp;
                    StartAnswerTimer();
                    outcome = null;
                }
            }
        }
        return outcome;
    }

    /// <summary>The SDK's <c>onAcceptHandler</c> + <c>processOnAccept</c>.</summary>
    internal async Task<CallDropReason?> OnAcceptAsync(int fromUserId, CallSignal signal)
    {
        if (!IsLive)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_links.TryGetValue(fromUserId, out var link) || link.Released || link.Role != PeerRole.Offerer || link.Connection is null)
        {
            return CallDropReason.UnexpectedForPeer;
        }
        if (link.Answered)
        {
            return CallDropReason.DuplicateAccept;
        }
        _client.RaiseAccepted(new CallPeerEventArgs(this, fromUserId, signal.UserInfo ?? UserInfo.Empty));
        link.ClearDialing();
        try
        {
            await link.Connection.ApplyAnswerAsync(signal.Sdp ?? string.Empty, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, fromUserId, "apply answer", ex);
            return null;
        }
        link.Answered = true;
        MarkStable(link);
        await FlushRemoteCandidatesAsync(link, CancellationToken.None);
        return null;
    }

    /// <summary>The SDK's <c>onRejectHandler</c> + <c>processOnReject</c>.</summary>
    internal CallDropReason? OnReject(int fromUserId, CallSignal signal)
    {
        _client.RaiseRejected(new CallPeerEventArgs(this, fromUserId, signal.UserInfo ?? UserInfo.Empty));
        ClearWaitingTimer();
        if (_links.TryGetValue(fromUserId, out var link))
        {
            Release(link);
        }
        CloseIfAllReleased();
        return null;
    }

    /// <summary>The SDK's <c>onStopHandler</c> + <c>processOnStop</c>: the initiator's hang-up ends the call for everyone.</summary>
    internal CallDropReason? OnHangUp(int fromUserId, CallSignal signal)
    {
        var userInfo = signal.UserInfo ?? UserInfo.Empty;
        if (!IsLive)
        {
            _client.RaiseInvalidEvent(new CallPeerEventArgs(this, fromUserId, userInfo));
            return CallDropReason.SessionNotActive;
        }
        ClearAnswerTimer();
        if (fromUserId == InitiatorId)
        {
            foreach (var link in _links.Values)
            {
                Release(link);
            }
        }
        else if (_links.TryGetValue(fromUserId, out var link))
        {
            Release(link);
        }
        _client.RaiseStopped(new CallPeerEventArgs(this, fromUserId, userInfo));
        CloseIfAllReleased();
        return null;
    }

    internal async Task<CallDropReason?> OnIceCandidatesAsync(int fromUserId, CallSignal signal)
    {
        if (_state != CallSessionState.Active)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_links.TryGetValue(fromUserId, out var link) || link.Released)
        {
            return CallDropReason.UnexpectedForPeer;
        }
        if (link.Connection is null || !link.Answered)
        {
            // No remote description yet on this pair: keep them (bounded) until the offer/answer is applied.
            foreach (var candidate in signal.IceCandidates)
            {
                if (link.PendingRemote.Count >= _client.Options.MaxPendingCandidates)
                {
                    return CallDropReason.CandidateQueueFull;
                }
                link.PendingRemote.Add(candidate);
            }
            return null;
        }
        await AddRemoteCandidatesAsync(link, signal.IceCandidates, CancellationToken.None);
        return null;
    }

    /// <summary>The SDK's <c>processOnIceRestart</c>: apply the new offer, answer with <c>iceRestartAccept</c>.</summary>
    internal async Task<CallDropReason?> OnIceRestartAsync(int fromUserId, CallSignal signal)
    {
        if (_state != CallSessionState.Active)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_links.TryGetValue(fromUserId, out var link) || link.Released || link.Connection is null || string.IsNullOrEmpty(signal.Sdp))
        {
            return CallDropReason.UnexpectedForPeer;
        }
        string answer;
        try
        {
            answer = await link.Connection.CreateAnswerAsync(signal.Sdp, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, fromUserId, "ICE restart answer", ex);
            return null;
        }
        link.LocalSdp = answer;
        Send(fromUserId, new CallSignal { Type = CallSignalType.IceRestartAccept, SessionId = Id, Sdp = answer });
        MarkStable(link);
        return null;
    }

    internal async Task<CallDropReason?> OnIceRestartAcceptAsync(int fromUserId, CallSignal signal)
    {
        if (_state != CallSessionState.Active)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_links.TryGetValue(fromUserId, out var link) || link.Released || link.Connection is null
            || link.Role != PeerRole.Offerer || string.IsNullOrEmpty(signal.Sdp))
        {
            return CallDropReason.UnexpectedForPeer;
        }
        try
        {
            await link.Connection.ApplyAnswerAsync(signal.Sdp, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(_client.Logger, Id, fromUserId, "apply ICE restart answer", ex);
            return null;
        }
        MarkStable(link);
        return null;
    }

    private Task OnLocalCandidate(CallPeerLink link, ICallPeerConnection connection, IceCandidateInit candidate)
    {
        if (link.Released || !ReferenceEquals(link.Connection, connection))
        {
            return Task.CompletedTask;
        }
        if (link.Stable)
        {
            SendCandidates(link.UserId, [candidate]);
        }
        else if (link.PendingLocal.Count < _client.Options.MaxPendingCandidates)
        {
            link.PendingLocal.Add(candidate);
        }
        else
        {
            _client.CountDrop(CallDropReason.CandidateQueueFull, "local", Id, link.UserId);
        }
        return Task.CompletedTask;
    }

    /// <summary>The SDK's <c>onIceConnectionStateHandler</c>, including the disconnectTimeInterval release.</summary>
    private Task OnIceState(CallPeerLink link, ICallPeerConnection connection, PeerIceState state)
    {
        if (link.Released || !ReferenceEquals(link.Connection, connection))
        {
            return Task.CompletedTask;
        }
        SessionConnectionState reported;
        switch (state)
        {
            case PeerIceState.Checking:
                link.State = PeerLinkState.Checking;
                reported = SessionConnectionState.Connecting;
                break;
            case PeerIceState.Connected:
                link.State = PeerLinkState.Connected;
                link.ClearReconnect();
                reported = SessionConnectionState.Connected;
                break;
            case PeerIceState.Completed:
                link.State = PeerLinkState.Completed;
                link.ClearReconnect();
                reported = SessionConnectionState.Completed;
                break;
            case PeerIceState.Failed:
                link.State = PeerLinkState.Failed;
                reported = SessionConnectionState.Failed;
                break;
            case PeerIceState.Disconnected:
                link.State = PeerLinkState.Disconnected;
                StartReconnectTimer(link, connection);
                reported = SessionConnectionState.Disconnected;
                break;
            case PeerIceState.Closed:
                link.State = PeerLinkState.Closed;
                link.ClearReconnect();
                reported = SessionConnectionState.Closed;
                break;
            default:
                return Task.CompletedTask;
        }
        _client.RaiseConnectionStateChanged(new CallConnectionStateEventArgs(this, link.UserId, reported));
        return Task.CompletedTask;
    }

    private void StartReconnectTimer(CallPeerLink link, ICallPeerConnection connection)
    {
        link.ClearReconnect();
        link.ReconnectTimer = _client.Time.CreateTimer(
            _ => _client.Queue.Post(() =>
            {
                if (link.ReconnectTimer is not null && !link.Released && ReferenceEquals(link.Connection, connection))
                {
                    link.ClearReconnect();
                    CallLog.DisconnectReleased(_client.Logger, Id, link.UserId);
                    Release(link);
                    CloseIfAllReleased();
                }
                return Task.CompletedTask;
            }),
            null, _client.Options.DisconnectTimeInterval, Timeout.InfiniteTimeSpan);
    }
}
