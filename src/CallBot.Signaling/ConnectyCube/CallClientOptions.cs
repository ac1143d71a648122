namespace CallBot.Signaling.ConnectyCube;

/// <summary>Settings of a <see cref="CallClient"/>; the timing defaults are the SDK's <c>config.videochat</c> defaults.</summary>
public sealed class CallClientOptions
{
    /// <summary><c>answerTimeInterval</c>: caller gives up ("user not answered"), callee stops ringing.</summary>
    public TimeSpan AnswerTimeInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>dialingTimeInterval</c>: how often the caller re-sends <c>call</c> until answered.</summary>
    public TimeSpan DialingTimeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>disconnectTimeInterval</c>: a peer whose ICE stays disconnected this long is released.</summary>
    public TimeSpan DisconnectTimeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>platform</c> field sent with every signal.</summary>
    public string Platform { get; set; } = "node";

    /// <summary>Mesh limit, caller included (the SDK's P2P calls allow 4 people).</summary>
    public int MaxParticipants { get; set; } = 4;

    /// <summary>Live sessions this client keeps at once; incoming calls beyond it are dropped.</summary>
    public int MaxSessions { get; set; } = 32;

    /// <summary>Live incoming sessions one remote user may hold with this client.</summary>
    public int MaxSessionsPerRemoteUser { get; set; } = 2;

    /// <summary>Ids of ended sessions remembered so that late re-dials don't ring again.</summary>
    public int ClosedSessionMemory { get; set; } = 1024;

    /// <summary>
    /// Bytes the remembered ids may take (UTF-16 text plus a fixed per-entry overhead); whichever of this and
    /// <see cref="ClosedSessionMemory"/> is reached first evicts the oldest id. Ids are the caller's to choose.
    /// </summary>
    public int ClosedSessionMemoryBytes { get; set; } = 256 * 1024;

    /// <summary>Local candidates queued per peer until the pair is stable; remote ones buffered until an offer/answer is applied.</summary>
    public int MaxPendingCandidates { get; set; } = 64;

    /// <summary>Incoming call stanzas waiting to be processed; beyond it they are dropped (flood guard).</summary>
    public int MaxQueuedIncoming { get; set; } = 4096;

    /// <summary>App id for peer JIDs; when null it is read from the transport's bound JID.</summary>
    public string? AppId { get; set; }

    /// <summary>Chat domain for peer JIDs; when null it is read from the transport's bound JID.</summary>
    public string? ChatDomain { get; set; }

    internal void Validate()
    {
        if (DialingTimeInterval <= TimeSpan.Zero || AnswerTimeInterval < DialingTimeInterval || DisconnectTimeInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("Timing: need 0 < DialingTimeInterval <= AnswerTimeInterval and DisconnectTimeInterval > 0.");
        }
        if (MaxParticipants < 2 || MaxSessions < 1 || MaxSessionsPerRemoteUser < 1 || ClosedSessionMemory < 1
            || ClosedSessionMemoryBytes < 1024 || MaxPendingCandidates < 1 || MaxQueuedIncoming < 1)
        {
            throw new ArgumentException("Limits must be positive (MaxParticipants at least 2, ClosedSessionMemoryBytes at least 1024).");
        }
        ArgumentException.ThrowIfNullOrEmpty(Platform);
    }
}
