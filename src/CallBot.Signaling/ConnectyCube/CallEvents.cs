namespace CallBot.Signaling.ConnectyCube;

/// <summary><c>onCallListener(session, userInfo)</c>: a new incoming call.</summary>
public sealed class IncomingCallEventArgs(CallSession session, int callerUserId, UserInfo userInfo) : EventArgs
{
    public CallSession Session { get; } = session;
    /// <summary>Who sent the <c>call</c> (normally the initiator).</summary>
    public int CallerUserId { get; } = callerUserId;
    public UserInfo UserInfo { get; } = userInfo;
}

/// <summary>A peer did something in a session (accept, reject, stop, not answered, invalid event, update).</summary>
public sealed class CallPeerEventArgs(CallSession session, int userId, UserInfo userInfo) : EventArgs
{
    public CallSession Session { get; } = session;
    public int UserId { get; } = userId;
    public UserInfo UserInfo { get; } = userInfo;
}

/// <summary><c>onSessionConnectionStateChangedListener(session, userID, state)</c>.</summary>
public sealed class CallConnectionStateEventArgs(CallSession session, int userId, SessionConnectionState state) : EventArgs
{
    public CallSession Session { get; } = session;
    public int UserId { get; } = userId;
    public SessionConnectionState State { get; } = state;
}

/// <summary><c>onSessionCloseListener(session)</c>.</summary>
public sealed class CallSessionEventArgs(CallSession session) : EventArgs
{
    public CallSession Session { get; } = session;
}

/// <summary>An update signal with its arbitrary fields.</summary>
public sealed class CallUpdateEventArgs(CallSession session, int userId, CallSignal signal) : EventArgs
{
    public CallSession Session { get; } = session;
    public int UserId { get; } = userId;
    public CallSignal Signal { get; } = signal;
}

/// <summary>A received call stanza was dropped, and why.</summary>
public sealed class CallDropEventArgs(CallDropReason reason) : EventArgs
{
    public CallDropReason Reason { get; } = reason;
}
