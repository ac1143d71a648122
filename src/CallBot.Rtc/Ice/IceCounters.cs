namespace CallBot.Rtc.Ice;

/// <summary>What the agent dropped or refused, for metrics and tests. Lock-free.</summary>
public sealed class IceCounters
{
    private long _stunMalformed;
    private long _integrityFailures;
    private long _unknownUsername;
    private long _badRequests;
    private long _unmatchedResponses;
    private long _roleConflicts;
    private long _sendDroppedNoPair;
    private long _sendFailed;
    private long _mdnsCandidatesKeptAside;
    private long _checksSent;
    private long _requestsAnswered;
    private long _candidatesHeldForNextGeneration;
    private long _candidatesDroppedStaleGeneration;
    private long _candidatesDroppedHeldOverflow;

    /// <summary>STUN-looking datagrams that failed <see cref="Stun.StunMessage.TryParse"/>.</summary>
    public long StunMalformed => Interlocked.Read(ref _stunMalformed);

    /// <summary>Requests or responses whose MESSAGE-INTEGRITY did not verify.</summary>
    public long IntegrityFailures => Interlocked.Read(ref _integrityFailures);

    public long UnknownUsername => Interlocked.Read(ref _unknownUsername);

    public long BadRequests => Interlocked.Read(ref _badRequests);

    public long UnmatchedResponses => Interlocked.Read(ref _unmatchedResponses);

    public long RoleConflicts => Interlocked.Read(ref _roleConflicts);

    public long SendDroppedNoPair => Interlocked.Read(ref _sendDroppedNoPair);

    public long SendFailed => Interlocked.Read(ref _sendFailed);

    public long MdnsCandidatesKeptAside => Interlocked.Read(ref _mdnsCandidatesKeptAside);

    public long ChecksSent => Interlocked.Read(ref _checksSent);

    public long RequestsAnswered => Interlocked.Read(ref _requestsAnswered);

    internal void OnStunMalformed() => Interlocked.Increment(ref _stunMalformed);

    internal void OnIntegrityFailure() => Interlocked.Increment(ref _integrityFailures);

    internal void OnUnknownUsername() => Interlocked.Increment(ref _unknownUsername);

    internal void OnBadRequest() => Interlocked.Increment(ref _badRequests);

    internal void OnUnmatchedResponse() => Interlocked.Increment(ref _unmatchedResponses);

    internal void OnRoleConflict() => Interlocked.Increment(ref _roleConflicts);

    internal void OnSendDroppedNoPair() => Interlocked.Increment(ref _sendDroppedNoPair);

    internal void OnSendFailed() => Interlocked.Increment(ref _sendFailed);

    internal void OnMdnsKeptAside() => Interlocked.Increment(ref _mdnsCandidatesKeptAside);

    internal void OnCheckSent() => Interlocked.Increment(ref _checksSent);

    internal void OnRequestAnswered() => Interlocked.Increment(ref _requestsAnswered);

    /// <summary>Trickled candidates whose ufrag named a generation not applied yet, held until its credentials came.</summary>
    public long CandidatesHeldForNextGeneration => Interlocked.Read(ref _candidatesHeldForNextGeneration);

    /// <summary>Trickled candidates whose ufrag named an older remote generation: dropped.</summary>
    public long CandidatesDroppedStaleGeneration => Interlocked.Read(ref _candidatesDroppedStaleGeneration);

    /// <summary>Held candidates dropped because the hold was full (oldest first).</summary>
    public long CandidatesDroppedHeldOverflow => Interlocked.Read(ref _candidatesDroppedHeldOverflow);

    internal void OnCandidateHeld() => Interlocked.Increment(ref _candidatesHeldForNextGeneration);

    internal void OnCandidateStale() => Interlocked.Increment(ref _candidatesDroppedStaleGeneration);

    internal void OnHeldOverflow() => Interlocked.Increment(ref _candidatesDroppedHeldOverflow);

    private long _remoteCandidatesRefused;
    private long _pairsRefused;
    private long _unauthenticatedNotAnswered;
    private long _stunQueueFull;
    private long _datagramsFromUnverifiedSource;
    private long _earlyDtlsHeld;
    private long _earlyDtlsDropped;

    /// <summary>Remote candidates (signaled or peer-reflexive) refused by the address policy, the count cap or the ufrag grammar.</summary>
    public long RemoteCandidatesRefused => Interlocked.Read(ref _remoteCandidatesRefused);

    /// <summary>Candidate pairs not formed because the generation had <see cref="IceOptions.MaxCandidatePairs"/>.</summary>
    public long CandidatePairsRefused => Interlocked.Read(ref _pairsRefused);

    /// <summary>Binding requests that failed authentication and were not answered (over the rate limit).</summary>
    public long UnauthenticatedRequestsNotAnswered => Interlocked.Read(ref _unauthenticatedNotAnswered);

    /// <summary>STUN datagrams dropped on the receive loop because <see cref="IceAgent.MaxQueuedStun"/> were waiting.</summary>
    public long StunQueueFull => Interlocked.Read(ref _stunQueueFull);

    /// <summary>DTLS, RTP or RTCP datagrams dropped because their source never passed a STUN check with our credentials.</summary>
    public long DatagramsFromUnverifiedSource => Interlocked.Read(ref _datagramsFromUnverifiedSource);

    /// <summary>DTLS datagrams from a candidate address held until that address authenticated (the peer's ClientHello racing its check).</summary>
    public long EarlyDtlsHeld => Interlocked.Read(ref _earlyDtlsHeld);

    /// <summary>Early DTLS datagrams dropped because the per-source or total hold was full.</summary>
    public long EarlyDtlsDropped => Interlocked.Read(ref _earlyDtlsDropped);

    internal void OnRemoteRefused() => Interlocked.Increment(ref _remoteCandidatesRefused);

    internal void OnPairRefused() => Interlocked.Increment(ref _pairsRefused);

    internal void OnUnauthenticatedNotAnswered() => Interlocked.Increment(ref _unauthenticatedNotAnswered);

    internal void OnStunQueueFull() => Interlocked.Increment(ref _stunQueueFull);

    internal void OnUnverifiedSource() => Interlocked.Increment(ref _datagramsFromUnverifiedSource);

    internal void OnEarlyDtlsHeld() => Interlocked.Increment(ref _earlyDtlsHeld);

    internal void OnEarlyDtlsDropped() => Interlocked.Increment(ref _earlyDtlsDropped);
}
