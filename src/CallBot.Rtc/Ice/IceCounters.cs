using CallBot.Rtc.Diagnostics;

namespace CallBot.Rtc.Ice;

/// <summary>What <see cref="IceCounters"/> counts.</summary>
public enum IceCounter
{
    /// <summary>STUN-looking datagrams that failed <see cref="Stun.StunMessage.TryParse"/>.</summary>
    StunMalformed,

    /// <summary>Requests or responses whose MESSAGE-INTEGRITY did not verify.</summary>
    IntegrityFailures,
    UnknownUsername,
    BadRequests,
    UnmatchedResponses,
    RoleConflicts,
    SendDroppedNoPair,
    SendFailed,
    MdnsCandidatesKeptAside,
    ChecksSent,
    RequestsAnswered,

    /// <summary>Trickled candidates whose ufrag named a generation not applied yet, held until its credentials came.</summary>
    CandidatesHeldForNextGeneration,

    /// <summary>Trickled candidates whose ufrag named an older remote generation: dropped.</summary>
    CandidatesDroppedStaleGeneration,

    /// <summary>Held candidates dropped because the hold was full (oldest first).</summary>
    CandidatesDroppedHeldOverflow,

    /// <summary>Remote candidates (signaled or peer-reflexive) refused by the address policy, the count cap or the ufrag grammar.</summary>
    RemoteCandidatesRefused,

    /// <summary>Candidate pairs not formed because the generation had <see cref="IceOptions.MaxCandidatePairs"/>.</summary>
    CandidatePairsRefused,

    /// <summary>Binding requests that failed authentication and were not answered (over the rate limit).</summary>
    UnauthenticatedRequestsNotAnswered,

    /// <summary>STUN datagrams dropped on the receive loop because <see cref="IceAgent.MaxQueuedStun"/> were waiting.</summary>
    StunQueueFull,

    /// <summary>DTLS, RTP or RTCP datagrams dropped because their source never passed a STUN check with our credentials.</summary>
    DatagramsFromUnverifiedSource,

    /// <summary>DTLS datagrams from a candidate address held until that address authenticated (the peer's ClientHello racing its check).</summary>
    EarlyDtlsHeld,

    /// <summary>Early DTLS datagrams dropped because the per-source or total hold was full.</summary>
    EarlyDtlsDropped,
}

/// <summary>What the agent dropped or refused, for metrics and tests: <c>agent.Counters[IceCounter.ChecksSent]</c>. Lock-free.</summary>
public sealed class IceCounters : EnumCounters<IceCounter>
{
    // Read by PeerConnectionStatsCollector and tests; they could read the indexer instead.
    public long IntegrityFailures => this[IceCounter.IntegrityFailures];
    public long StunMalformed => this[IceCounter.StunMalformed];
    public long SendDroppedNoPair => this[IceCounter.SendDroppedNoPair];
    public long EarlyDtlsDropped => this[IceCounter.EarlyDtlsDropped];
    public long DatagramsFromUnverifiedSource => this[IceCounter.DatagramsFromUnverifiedSource];
    public long CandidatePairsRefused => this[IceCounter.CandidatePairsRefused];
    public long RemoteCandidatesRefused => this[IceCounter.RemoteCandidatesRefused];
    public long UnauthenticatedRequestsNotAnswered => this[IceCounter.UnauthenticatedRequestsNotAnswered];
    public long StunQueueFull => this[IceCounter.StunQueueFull];
}
