using System.Net;

namespace CallBot.Rtc.Ice;

/// <summary>Settings of one <see cref="IceAgent"/>. Timing defaults cite where they come from.</summary>
public sealed class IceOptions
{
    public IceRole Role { get; set; } = IceRole.Controlling;

    /// <summary>Fixed credentials (tests); null = random per RFC 8445 §5.3.</summary>
    public IceCredentials? LocalCredentials { get; set; }

    /// <summary>STUN servers for server-reflexive candidates ("host:port" resolved by the caller).</summary>
    public IList<IPEndPoint> StunServers { get; } = [];

    /// <summary>Decides which interface addresses become host candidates; null = all (after the rules below).</summary>
    public Func<IPAddress, bool>? AddressFilter { get; set; }

    /// <summary>Loopback addresses become candidates even when other addresses exist (they always do when alone).</summary>
    public bool IncludeLoopback { get; set; }

    public bool IncludeIPv6 { get; set; } = true;

    /// <summary>IPv6 link-local (fe80::/10) needs a scope id peers cannot use; off by default.</summary>
    public bool IncludeIPv6LinkLocal { get; set; }

    /// <summary>RFC 8445 §14.2: Ta, the pacing interval between new checks; 50 ms is the RFC default.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>RFC 8445 §14.3: RTO of a connectivity check, at least 500 ms.</summary>
    public TimeSpan CheckRto { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Cap of the doubling RTO (RFC 8489 §6.2.1 lets the client cap it; Chrome caps near 1.6 s).</summary>
    public TimeSpan MaxCheckRto { get; set; } = TimeSpan.FromMilliseconds(1600);

    /// <summary>RFC 8489 §6.2.1: Rc = 7 transmissions before a transaction fails.</summary>
    public int MaxCheckTransmissions { get; set; } = 7;

    /// <summary>
    /// How long the controlling agent waits after its first valid pair for a better one before it
    /// nominates (RFC 8445 §8.1.1 leaves the stopping criterion to the agent).
    /// </summary>
    public TimeSpan NominationWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Mean interval of consent checks on the selected pair. RFC 7675 §5.1 says 5 s; we send more often
    /// (like Chrome's 2.5 s and pion's 2 s keepalive) so that <see cref="DisconnectedTimeout"/> of 5 s means
    /// at least two missed answers, not one late one. Randomized ±20% per RFC 7675 §5.1.
    /// </summary>
    public TimeSpan ConsentInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>No consent response for this long → Disconnected (browsers use 5 s).</summary>
    public TimeSpan DisconnectedTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>RFC 7675 §5.1: consent expires 30 s after the last response → Failed.</summary>
    public TimeSpan FailedTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>While checking, no selected pair after this long → Failed (Chrome's checking timeout is similar).</summary>
    public TimeSpan CheckingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>RFC 8489 §6.2.1 RTO for STUN server (srflx) requests.</summary>
    public TimeSpan StunServerRto { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Transmissions per STUN server before gathering gives up on it.</summary>
    public int StunServerTransmissions { get; set; } = 3;

    /// <summary>TURN servers (the SDK's <c>iceServers</c> with <c>turn:</c>/<c>turns:</c> URLs); each gives one relay candidate.</summary>
    public IList<CallBot.Rtc.Turn.TurnClientOptions> TurnServers { get; } = [];

    /// <summary><see cref="IceTransportPolicy.Relay"/> gathers and pairs only relay candidates (the SDK's <c>alwaysRelayCalls</c>).</summary>
    public IceTransportPolicy TransportPolicy { get; set; } = IceTransportPolicy.All;

    /// <summary>
    /// Pair remote candidates on 127.0.0.0/8 and ::1. Off by default: a caller could otherwise aim the bot's checks at
    /// services on the bot's own host. Loopback labs, the demo and tests turn it on explicitly.
    /// </summary>
    public bool AllowLoopbackRemoteCandidates { get; set; }

    /// <summary>Pair remote candidates on private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7). Off by default.</summary>
    public bool AllowPrivateRemoteCandidates { get; set; }

    /// <summary>
    /// Remote candidates kept per ICE generation (signaled and peer-reflexive); more are refused and counted. A browser
    /// signals well under 20; 100 leaves room for many interfaces and relays.
    /// </summary>
    public int MaxRemoteCandidates { get; set; } = 100;

    /// <summary>Candidate pairs per ICE generation; more are not formed (each pair costs up to 7 checks).</summary>
    public int MaxCandidatePairs { get; set; } = 100;

    /// <summary>
    /// Error answers (400/401) to Binding requests that fail authentication, per second (token bucket, this burst too).
    /// Such requests come from anyone on the network; answering each would make the bot a reflector.
    /// </summary>
    public int UnauthenticatedAnswersPerSecond { get; set; } = 20;

    /// <summary>SOFTWARE attribute; null = none.</summary>
    public string? Software { get; set; }
}
