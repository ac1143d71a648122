namespace CallBot.Signaling.ConnectyCube;

/// <summary>Incoming stanzas: decode on the transport's thread, filter cheaply, then dispatch on the work queue.</summary>
public sealed partial class CallClient
{
    private void OnMessageReceived(object? sender, ChatMessageReceivedEventArgs e)
    {
        var result = CallSignalCodec.TryDecode(e.Message);
        if (!result.IsSuccess)
        {
            if (result.Reason is not (CallSignalRejectReason.NotHeadlineMessage or CallSignalRejectReason.NotCallSignal))
            {
                CountDrop(CallDropReason.Malformed, $"{result.Reason} {result.Detail}", null, 0);
            }
            return;
        }
        var received = result.Signal!;
        var signal = received.Signal;
        if (!IsOfThisDeployment(received.From))
        {
            CountDrop(CallDropReason.ForeignSender, received.From, signal.SessionId, 0);
            return;
        }
        if (received.IsDelayed)
        {
            CountDrop(CallDropReason.Delayed, signal.WireSignalType, signal.SessionId, received.SenderUserId);
            return;
        }
        if (received.IsCarbon)
        {
            CountDrop(CallDropReason.Carbon, signal.WireSignalType, signal.SessionId, received.SenderUserId);
            return;
        }
        if (received.SenderUserId == CurrentUserId)
        {
            CountDrop(CallDropReason.OwnMessage, signal.WireSignalType, signal.SessionId, received.SenderUserId);
            return;
        }
        if (signal.Type == CallSignalType.Unknown)
        {
            CountDrop(CallDropReason.UnknownSignalType, signal.RawSignalType, signal.SessionId, received.SenderUserId);
            return;
        }
        if (Interlocked.Increment(ref _queuedIncoming) > Options.MaxQueuedIncoming)
        {
            Interlocked.Decrement(ref _queuedIncoming);
            CountDrop(CallDropReason.QueueFull, signal.WireSignalType, signal.SessionId, received.SenderUserId);
            return;
        }
        if (!Queue.Post(async () =>
            {
                Interlocked.Decrement(ref _queuedIncoming);
                var drop = await DispatchAsync(received.SenderUserId, signal);
                if (drop is { } reason)
                {
                    CountDrop(reason, signal.WireSignalType, signal.SessionId, received.SenderUserId);
                }
            }))
        {
            Interlocked.Decrement(ref _queuedIncoming);
        }
    }

    /// <summary>
    /// The sender is a user of this app at this chat domain: the decoder reads a user id from any well-formed JID, but
    /// a user id means something only together with the app id and domain it was issued for.
    /// </summary>
    private bool IsOfThisDeployment(string from)
    {
        var local = _transport.LocalJid;
        var appId = Options.AppId ?? ChatJid.AppId(local);
        var domain = Options.ChatDomain ?? ChatJid.Domain(local);
        return ChatJid.TryGetUserId(from, appId, domain, out _);
    }

    /// <summary>The SDK's <c>WebRTCSignalingProcessor.onMessage</c> + <c>WebRTCClient.on…Handler</c>. Returns why it was dropped, if it was.</summary>
    private async Task<CallDropReason?> DispatchAsync(int from, CallSignal signal)
    {
        CallSession? session;
        bool closed;
        lock (_tableLock)
        {
            _sessions.TryGetValue(signal.SessionId, out session);
            closed = session is null && _closedIds.Contains(signal.SessionId);
        }
        if (session is null)
        {
            if (closed)
            {
                return CallDropReason.SessionClosed;
            }
            return signal.Type == CallSignalType.Call ? await OnNewCallAsync(from, signal) : CallDropReason.UnknownSession;
        }
        return await session.HandleAsync(from, signal);
    }

    private async Task<CallDropReason?> OnNewCallAsync(int from, CallSignal signal)
    {
        var me = CurrentUserId;
        var initiator = signal.CallerId ?? 0;
        var opponents = signal.OpponentIds;
        if (initiator <= 0 || initiator == me || !opponents.Contains(me) || opponents.Contains(initiator)
            || (from != initiator && !opponents.Contains(from)))
        {
            return CallDropReason.NotAParticipant;
        }
        if (opponents.Count + 1 > Options.MaxParticipants || opponents.Distinct().Count() != opponents.Count)
        {
            return CallDropReason.GroupTooLarge;
        }
        CallSession session;
        lock (_tableLock)
        {
            if (_sessions.Count >= Options.MaxSessions)
            {
                return CallDropReason.TooManySessions;
            }
            var fromUser = 0;
            foreach (var live in _sessions.Values)
            {
                if (live.RemoteUserId == from)
                {
                    fromUser++;
                }
            }
            if (fromUser >= Options.MaxSessionsPerRemoteUser)
            {
                return CallDropReason.TooManySessionsForUser;
            }
            var userInfo = signal.UserInfo ?? UserInfo.Empty;
            session = new CallSession(this, signal.SessionId, initiator, me, [.. opponents], signal.CallType ?? CallType.Video, userInfo.MaxBandwidth ?? 0, from);
            _sessions.Add(session.Id, session);
        }
        CallLog.IncomingCall(Logger, session.Id, from, string.Join(',', opponents));
        Raise(c => c.IncomingCall, new IncomingCallEventArgs(session, from, signal.UserInfo ?? UserInfo.Empty));
        return await session.HandleAsync(from, signal, isNew: true);
    }
}
