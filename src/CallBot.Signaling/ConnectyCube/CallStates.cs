namespace CallBot.Signaling.ConnectyCube;

/// <summary>State of a call session, with the SDK's values (<c>CallSessionState</c>).</summary>
public enum CallSessionState
{
    New = 1,
    Active = 2,
    Stopped = 3,
    Rejected = 4,
    Closed = 5,
}

/// <summary>What apps are told about each peer (<c>SessionConnectionState</c>), with the SDK's values.</summary>
public enum SessionConnectionState
{
    Undefined = 0,
    Connecting = 1,
    Connected = 2,
    Failed = 3,
    Disconnected = 4,
    Closed = 5,
    Completed = 6,
}

/// <summary>State of one peer connection inside a session (<c>PeerConnectionState</c>), with the SDK's values.</summary>
public enum PeerLinkState
{
    New = 1,
    Connecting = 2,
    Checking = 3,
    Connected = 4,
    Disconnected = 5,
    Failed = 6,
    Closed = 7,
    Completed = 8,
}

/// <summary>Why an incoming signal, or a local candidate, was not acted on. Every drop is counted and logged at Debug.</summary>
public enum CallDropReason
{
    /// <summary>Decoding failed (<see cref="CallSignalRejectReason"/> has the detail).</summary>
    Malformed,
    /// <summary>Carries <c>&lt;delay&gt;</c>: offline storage replay, ignored for calls as the SDK does.</summary>
    Delayed,
    /// <summary>A carbon copy of what one of our own resources sent.</summary>
    Carbon,
    /// <summary>Sent by this very user (another resource).</summary>
    OwnMessage,
    UnknownSignalType,
    UnknownSession,
    /// <summary>A signal for a session that ended here; late re-dials land here.</summary>
    SessionClosed,
    /// <summary>iceCandidates / iceRestart / iceRestartAccept / hangUp while the session is not active.</summary>
    SessionNotActive,
    /// <summary>The sender, or this user, is not part of the session.</summary>
    NotAParticipant,
    /// <summary>A re-dial or duplicate <c>call</c> for a pair already set up.</summary>
    DuplicateCall,
    DuplicateAccept,
    /// <summary>An accept/restart for a pair where it does not fit (no offer made, no connection yet).</summary>
    UnexpectedForPeer,
    TooManySessions,
    TooManySessionsForUser,
    GroupTooLarge,
    /// <summary>The incoming queue is full (a flood); the stanza was not even looked at.</summary>
    QueueFull,
    /// <summary>Too many candidates queued before the pair was stable.</summary>
    CandidateQueueFull,
    /// <summary>The sender's JID is not a user of this app at this chat domain (strict <see cref="ChatJid"/> parsing).</summary>
    ForeignSender,
}
