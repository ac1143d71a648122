namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// One pair inside a session (the SDK's <c>WebRTCPeerConnection</c>): the role, the peer connection once created,
/// the offer waiting to be answered, candidates waiting for a stable pair, and the per-pair timers.
/// Touched only on the client's work queue.
/// </summary>
internal sealed class CallPeerLink(int userId, PeerRole role)
{
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

    public bool Released { get; set; }

    public List<IceCandidateInit> PendingLocal { get; } = [];

    public List<IceCandidateInit> PendingRemote { get; } = [];

    public ITimer? DialTimer { get; set; }

    public TimeSpan DialElapsed { get; set; }

    public UserInfo? DialUserInfo { get; set; }

    public bool NotifyNotAnswered { get; set; }

    /// <summary>How many <c>call</c> stanzas went to this peer (first dial + re-dials).</summary>
    public int CallsSent { get; set; }

    public ITimer? ReconnectTimer { get; set; }

    public void ClearDialing()
    {
        DialTimer?.Dispose();
        DialTimer = null;
        DialElapsed = TimeSpan.Zero;
    }

    public void ClearReconnect()
    {
        ReconnectTimer?.Dispose();
        ReconnectTimer = null;
    }
}
