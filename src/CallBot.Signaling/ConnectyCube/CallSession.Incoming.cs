namespace CallBot.Signaling.ConnectyCube;

/// <summary>What a session does with each incoming signal (the SDK's <c>processOn…</c> methods). Runs on the work queue.</summary>
public sealed partial class CallSession
{
    /// <summary>
    /// The SDK's <c>WebRTCSignalingProcessor.onMessage</c> + <c>WebRTCClient.on…Handler</c> for a signal of this session
    /// (<paramref name="isNew"/>: the <c>call</c> that created it). Returns why it was dropped, if it was.
    /// </summary>
    internal async Task<CallDropReason?> HandleAsync(int from, CallSignal signal, bool isNew = false)
    {
        if (!_peers.IsParticipant(from))
        {
            return CallDropReason.NotAParticipant;
        }
        return signal.Type switch
        {
            CallSignalType.Call => await OnCallAsync(from, signal, isNew),
            CallSignalType.Accept => await OnAcceptAsync(from, signal),
            CallSignalType.Reject => OnReject(from, signal),
            CallSignalType.HangUp => OnHangUp(from, signal),
            CallSignalType.IceCandidates => await OnIceCandidatesAsync(from, signal),
            CallSignalType.IceRestart => _state == CallSessionState.Active ? await _iceRestart.OnOfferAsync(from, signal) : CallDropReason.SessionNotActive,
            CallSignalType.IceRestartAccept => _state == CallSessionState.Active ? await _iceRestart.OnAnswerAsync(from, signal) : CallDropReason.SessionNotActive,
            CallSignalType.Update => OnUpdate(from, signal),
            _ => CallDropReason.UnknownSignalType,
        };
    }

    /// <summary>The SDK's <c>processOnCall</c>: make a slot for every peer; store the sender's offer; in a group, answer it once active.</summary>
    private async Task<CallDropReason?> OnCallAsync(int fromUserId, CallSignal signal, bool isNew)
    {
        CallDropReason? outcome = isNew ? null : CallDropReason.DuplicateCall;
        var peers = new List<int> { InitiatorId };
        peers.AddRange(_peers.OtherCallees());
        foreach (var peer in peers)
        {
            if (_peers.TryGet(peer, out var link))
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
                link = _peers.GetOrAdd(peer, _peers.PlannedRole(peer, fromUserId));
                if (peer == fromUserId)
                {
                    link.RemoteOffer = string.IsNullOrEmpty(signal.Sdp) ? null : signal.Sdp;
                    _timers.StartAnswer(Close);
                    outcome = null;
                }
            }
        }
        return outcome;
    }

    /// <summary>The SDK's <c>onAcceptHandler</c> + <c>processOnAccept</c>.</summary>
    private async Task<CallDropReason?> OnAcceptAsync(int fromUserId, CallSignal signal)
    {
        if (!IsLive)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_peers.TryGet(fromUserId, out var link) || link.Released || link.Role != PeerRole.Offerer || link.Connection is null)
        {
            return CallDropReason.UnexpectedForPeer;
        }
        if (link.Answered)
        {
            return CallDropReason.DuplicateAccept;
        }
        _client.Raise(CallPeerEvent.Accepted, new CallPeerEventArgs(this, fromUserId, signal.UserInfo ?? UserInfo.Empty));
        link.ClearDialing();
        if (!await _negotiator.ApplyAnswerAsync(link, signal.Sdp ?? string.Empty, iceRestart: false, CancellationToken.None))
        {
            return null;
        }
        link.Answered = true;
        _trickle.OnStable(link);
        await _trickle.FlushRemoteAsync(link, CancellationToken.None);
        return null;
    }

    /// <summary>The SDK's <c>onRejectHandler</c> + <c>processOnReject</c>.</summary>
    private CallDropReason? OnReject(int fromUserId, CallSignal signal)
    {
        _client.Raise(CallPeerEvent.Rejected, new CallPeerEventArgs(this, fromUserId, signal.UserInfo ?? UserInfo.Empty));
        _timers.ClearWaiting();
        if (_peers.TryGet(fromUserId, out var link))
        {
            Release(link);
        }
        CloseIfAllReleased();
        return null;
    }

    /// <summary>The SDK's <c>onStopHandler</c> + <c>processOnStop</c>: the initiator's hang-up ends the call for everyone.</summary>
    private CallDropReason? OnHangUp(int fromUserId, CallSignal signal)
    {
        var userInfo = signal.UserInfo ?? UserInfo.Empty;
        if (!IsLive)
        {
            _client.Raise(CallPeerEvent.InvalidEvent, new CallPeerEventArgs(this, fromUserId, userInfo));
            return CallDropReason.SessionNotActive;
        }
        _timers.ClearAnswer();
        if (fromUserId == InitiatorId)
        {
            foreach (var link in _peers.Links)
            {
                Release(link);
            }
        }
        else if (_peers.TryGet(fromUserId, out var link))
        {
            Release(link);
        }
        _client.Raise(CallPeerEvent.Stopped, new CallPeerEventArgs(this, fromUserId, userInfo));
        CloseIfAllReleased();
        return null;
    }

    private async Task<CallDropReason?> OnIceCandidatesAsync(int fromUserId, CallSignal signal)
    {
        if (_state != CallSessionState.Active)
        {
            return CallDropReason.SessionNotActive;
        }
        if (!_peers.TryGet(fromUserId, out var link) || link.Released)
        {
            return CallDropReason.UnexpectedForPeer;
        }
        return await _trickle.OnRemoteAsync(link, signal.IceCandidates);
    }

    private CallDropReason? OnUpdate(int fromUserId, CallSignal signal)
    {
        _client.RaiseUpdated(new CallUpdateEventArgs(this, fromUserId, signal));
        return null;
    }
}
