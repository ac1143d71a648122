namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One pair inside a session (the SDK's <c>WebRTCPeerConnection</c>): the role, the peer connection once created,
/// the offer waiting to be answered, candidates held until the pair can use them (bounded), the link state and the
/// per-pair timers. It decides what happens to its own state; the session decides what is sent and raised.
/// Touched only on the client's work queue.
/// </summary>
internal sealed class CallPeerLink(int userId, PeerRole role)
{
    private readonly List<IceCandidateInit> _pendingLocal = [];
    private readonly List<IceCandidateInit> _pendingRemote = [];
    private ITimer? _reconnectTimer;

    public int UserId { get; } = userId;

    public PeerRole Role { get; set; } = role;

    public ICallPeerConnection? Connection { get; set; }

    public PeerLinkState State { get; set; } = PeerLinkState.New;

    /// <summary>The remote offer, kept until answered (<c>sdpRemote</c>).</summary>
    public string? RemoteOffer { get; set; }

    /// <summary>Our current local description (re-sent with every dial).</summary>
    public string? LocalSdp { get; set; }

    /// <summary>Offerer: the answer was applied. Answerer: our answer was sent.</summary>
    public bool Answered { get; set; }

    /// <summary>Signaling state is <c>stable</c>: local candidates may be sent one by one.</summary>
    public bool Stable { get; set; }

    public bool Released { get; private set; }

    public ITimer? DialTimer { get; set; }

    public TimeSpan DialElapsed { get; private set; }

    public UserInfo? DialUserInfo { get; set; }

    public bool NotifyNotAnswered { get; set; }

    /// <summary>How many <c>call</c> stanzas went to this peer (first dial + re-dials).</summary>
    public int CallsSent { get; set; }

    /// <summary>True while the reconnect timer of a disconnected pair runs.</summary>
    public bool Reconnecting => _reconnectTimer is not null;

    /// <summary>The event comes from this pair's current connection (not one it replaced or released).</summary>
    public bool IsCurrent(ICallPeerConnection connection) => !Released && ReferenceEquals(Connection, connection);

    /// <summary>One dialing interval passed: true to re-send the call; false once answerTimeInterval is spent (dialing stops).</summary>
    public bool DialIntervalElapsed(TimeSpan interval, TimeSpan answerTimeInterval)
    {
        DialElapsed += interval;
        if (DialElapsed < answerTimeInterval)
        {
            return true;
        }
        ClearDialing();
        return false;
    }

    public void ClearDialing()
    {
        DialTimer?.Dispose();
        DialTimer = null;
        DialElapsed = TimeSpan.Zero;
    }

    public void StartReconnectTimer(ITimer timer)
    {
        ClearReconnect();
        _reconnectTimer = timer;
    }

    public void ClearReconnect()
    {
        _reconnectTimer?.Dispose();
        _reconnectTimer = null;
    }

    /// <summary>Signaling became stable: returns the local candidates held until now, to send at once (empty if none).</summary>
    public IceCandidateInit[] MarkStable()
    {
        Stable = true;
        IceCandidateInit[] held = [.. _pendingLocal];
        _pendingLocal.Clear();
        return held;
    }

    /// <summary>A local candidate before the pair is stable is held; false when <paramref name="limit"/> are held already.</summary>
    public bool TryHoldLocal(IceCandidateInit candidate, int limit)
    {
        if (_pendingLocal.Count >= limit)
        {
            return false;
        }
        _pendingLocal.Add(candidate);
        return true;
    }

    /// <summary>Remote candidates before a remote description is applied are held; false once <paramref name="limit"/> are.</summary>
    public bool TryHoldRemote(IReadOnlyList<IceCandidateInit> candidates, int limit)
    {
        foreach (var candidate in candidates)
        {
            if (_pendingRemote.Count >= limit)
            {
                return false;
            }
            _pendingRemote.Add(candidate);
        }
        return true;
    }

    /// <summary>The remote candidates held so far, handed over once (empty if none).</summary>
    public IceCandidateInit[] TakeHeldRemote()
    {
        IceCandidateInit[] held = [.. _pendingRemote];
        _pendingRemote.Clear();
        return held;
    }

    /// <summary>
    /// Ends the pair: timers stopped, held candidates dropped, state Closed. Returns the connection for the caller to
    /// dispose (off the work queue), or null when there is none or the pair was released already.
    /// </summary>
    public ICallPeerConnection? Release()
    {
        if (Released)
        {
            return null;
        }
        Released = true;
        ClearDialing();
        ClearReconnect();
        State = PeerLinkState.Closed;
        _pendingLocal.Clear();
        _pendingRemote.Clear();
        return Connection;
    }

    /// <summary>
    /// The SDK's <c>onIceConnectionStateHandler</c> for this pair: the new link state and what apps are told, or null for a
    /// state apps are not told of. A connected, completed or closed pair stops its reconnect timer; a disconnected one
    /// needs one started (the session does, it owns the release).
    /// </summary>
    public SessionConnectionState? ApplyIceState(PeerIceState state)
    {
        (PeerLinkState Link, SessionConnectionState Reported)? next = state switch
        {
            PeerIceState.Checking => (PeerLinkState.Checking, SessionConnectionState.Connecting),
            PeerIceState.Connected => (PeerLinkState.Connected, SessionConnectionState.Connected),
            PeerIceState.Completed => (PeerLinkState.Completed, SessionConnectionState.Completed),
            PeerIceState.Failed => (PeerLinkState.Failed, SessionConnectionState.Failed),
            PeerIceState.Disconnected => (PeerLinkState.Disconnected, SessionConnectionState.Disconnected),
            PeerIceState.Closed => (PeerLinkState.Closed, SessionConnectionState.Closed),
            _ => null,
        };
        if (next is not { } n)
        {
            return null;
        }
        State = n.Link;
        if (state is PeerIceState.Connected or PeerIceState.Completed or PeerIceState.Closed)
        {
            ClearReconnect();
        }
        return n.Reported;
    }
}
