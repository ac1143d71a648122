namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The content of one <c>&lt;extraParams&gt;</c> of the <c>WebRTCVideoChat</c> module. Which fields a signal carries
/// depends on its type (docs/signaling-protocol.md, "The signals"); absent fields are null or empty.
/// </summary>
public sealed record CallSignal
{
    public required CallSignalType Type { get; init; }

    /// <summary>The <c>signalType</c> text as received, or the name to send for <see cref="CallSignalType.Unknown"/>.</summary>
    public string? RawSignalType { get; init; }

    public required string SessionId { get; init; }

    public CallType? CallType { get; init; }

    public int? CallerId { get; init; }

    public IReadOnlyList<int> OpponentIds { get; init; } = [];

    public string? Sdp { get; init; }

    /// <summary><c>web</c>, <c>mobile</c>, <c>node</c>, <c>android</c>, <c>ios</c>…</summary>
    public string? Platform { get; init; }

    /// <summary>Null when the stanza had no <c>userInfo</c> element.</summary>
    public UserInfo? UserInfo { get; init; }

    public IReadOnlyList<IceCandidateInit> IceCandidates { get; init; } = [];

    /// <summary>Fields this client does not know (e.g. the parameters of <c>update</c>), kept as trees in order.</summary>
    public IReadOnlyList<InfoNode> ExtraFields { get; init; } = [];

    public string WireSignalType => Type == CallSignalType.Unknown
        ? RawSignalType ?? string.Empty
        : CallSignalNames.ToWireName(Type);
}

/// <summary>A decoded signal with its envelope.</summary>
public sealed record ReceivedCallSignal(
    CallSignal Signal,
    int SenderUserId,
    string From,
    string? To,
    string? MessageId,
    bool IsDelayed,
    bool IsCarbon);
