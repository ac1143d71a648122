using System.Globalization;
using System.Net;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// The check list of each generation (RFC 8445 §6.1.2): the remote candidates (signaled, peer-reflexive, names kept
/// aside), the pairs they form with our candidates (one per socket and remote address, bounded), and the role that
/// orders their priorities (RFC 8445 §6.1.2.3), switched on a role conflict. Owned by the agent loop, except
/// <see cref="Role"/> and <see cref="UnresolvedCount"/>, which any thread may read.
/// </summary>
internal sealed class IceChecklist(
    IceOptions options,
    IceCounters counters,
    ILogger logger,
    IceGenerations generations,
    IceLocalCandidates locals,
    IceRemoteCandidatePolicy policy,
    IceRemoteGenerations remoteGenerations,
    IceSourceVerifier sources,
    ulong tieBreaker)
{
    private readonly List<IceCandidate> _namedRemoteCandidates = [];
    private volatile IceRole _role = options.Role;
    private int _namedCount;
    private int _prflxCounter;

    public IceRole Role => _role;

    /// <summary>The role-conflict tie-breaker (RFC 8445 §7.3.1.1), random unless a test fixes it before checks start.</summary>
    public ulong TieBreaker { get; set; } = tieBreaker;

    /// <summary>Remote candidates that were names (mDNS <c>*.local</c>) and so could not be paired. Safe from any thread.</summary>
    public int UnresolvedCount => Volatile.Read(ref _namedCount);

    /// <summary>RFC 8445 §7.3.1.1 / §7.2.5.1: the role changes, and with it every pair priority of the current generation.</summary>
    public void SwitchRole(IceRole role)
    {
        if (_role == role)
        {
            return;
        }

        _role = role;
        var current = generations.Current;
        foreach (var pair in current.Pairs)
        {
            pair.ComputePriority(role);
        }

        current.NominationInFlight = null;
        IceLog.RoleSwitched(logger, role);
    }

    /// <summary>Adds a trickled or SDP candidate to the current generation (or holds, refuses or keeps it aside) and pairs it.</summary>
    public void AddRemote(IceCandidate candidate)
    {
        if (!candidate.IsUdp || candidate.Component != IceCandidate.RtpComponent)
        {
            return;
        }

        var generation = generations.Current;
        if (!policy.Admits(candidate) || !remoteGenerations.BelongsToCurrent(candidate, generation.Remote))
        {
            return; // refused, held for a later generation, or dropped as stale
        }

        var endPoint = candidate.TryGetEndPoint();
        if (endPoint is null)
        {
            if (_namedRemoteCandidates.Count >= options.MaxRemoteCandidates)
            {
                policy.Refuse(candidate, IceAddressRefusal.TooMany);
                return;
            }

            _namedRemoteCandidates.Add(candidate);
            Interlocked.Increment(ref _namedCount);
            counters.Count(IceCounter.MdnsCandidatesKeptAside);
            IceLog.NameCandidateKeptAside(logger, candidate.Address);
            return;
        }

        var existing = FindRemote(generation, endPoint);
        if (existing is not null)
        {
            if (existing.Type == IceCandidateType.PeerReflexive)
            {
                // RFC 8445 §7.3.1.3: a signaled candidate replaces the peer-reflexive one learned earlier.
                generation.RemoteCandidates.Remove(existing);
                generation.RemoteCandidates.Add(candidate);
                foreach (var pair in generation.Pairs)
                {
                    if (pair.RemoteEndPoint.Equals(endPoint))
                    {
                        pair.Remote = candidate;
                        pair.ComputePriority(_role);
                    }
                }
            }

            return;
        }

        if (generation.RemoteCandidates.Count >= options.MaxRemoteCandidates)
        {
            policy.Refuse(candidate, IceAddressRefusal.TooMany);
            return;
        }

        generation.RemoteCandidates.Add(candidate);
        TryFormPair(generation, candidate);
    }

    /// <summary>A new local candidate (or a host address that appeared) pairs with every remote candidate of the current generation.</summary>
    public void PairWithRemotes()
    {
        var generation = generations.Current;
        foreach (var remote in generation.RemoteCandidates)
        {
            TryFormPair(generation, remote);
        }
    }

    public static IceCandidate? FindRemote(IceGeneration generation, IPEndPoint endPoint)
    {
        foreach (var remote in generation.RemoteCandidates)
        {
            if (endPoint.Equals(remote.TryGetEndPoint()))
            {
                return remote;
            }
        }

        return null;
    }

    public static IceCandidatePair? FindPair(IceGeneration generation, IDatagramSocket socket, IPEndPoint remote)
    {
        foreach (var pair in generation.Pairs)
        {
            if (pair.Matches(socket, remote))
            {
                return pair;
            }
        }

        return null;
    }

    /// <summary>A candidate for a source we had no candidate of: the peer's check reveals it (RFC 8445 §7.3.1.3).</summary>
    public IceCandidate LearnPeerReflexive(IceGeneration generation, IPEndPoint source, uint priority)
    {
        var candidate = new IceCandidate
        {
            Foundation = "prflx" + (++_prflxCounter).ToString(CultureInfo.InvariantCulture),
            Priority = priority,
            Address = source.Address.ToString(),
            Port = source.Port,
            Type = IceCandidateType.PeerReflexive,
        };
        generation.RemoteCandidates.Add(candidate);
        IceLog.PeerReflexiveLearned(logger, source);
        return candidate;
    }

    /// <summary>A new pair on the checklist, or null when the generation already has <see cref="IceOptions.MaxCandidatePairs"/>.</summary>
    public IceCandidatePair? AddPair(IceGeneration generation, IceLocalCandidate local, IceCandidate remote, IPEndPoint endPoint)
    {
        if (generation.Pairs.Count >= options.MaxCandidatePairs)
        {
            counters.Count(IceCounter.CandidatePairsRefused);
            return null;
        }

        sources.AllowEarlySource(endPoint);
        var pair = new IceCandidatePair(local, remote, endPoint, generation);
        pair.ComputePriority(_role);
        generation.Pairs.Add(pair);
        return pair;
    }

    public static bool HasWaitingPair(IceGeneration generation)
    {
        foreach (var pair in generation.Pairs)
        {
            if (pair.State is IceCandidatePairState.Waiting or IceCandidatePairState.Frozen)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the current generation's check list has failed: it checked past <see cref="IceOptions.CheckingTimeout"/>,
    /// or every pair failed once no candidate can come on either side — the peer signaled end-of-candidates AND our own
    /// gathering ended (RFC 8838 §8, RFC 8445 §8.1.2). Without the second half an answerer handed the offerer's whole batch
    /// (end included) before its first host candidate existed had no pairs, "all failed", and flickered
    /// Checking → Failed → Connected.
    /// </summary>
    public bool HasFailed(DateTimeOffset now, bool gatheringComplete)
    {
        var generation = generations.Current;
        if (generation.CheckingStartedAt is not { } started)
        {
            return false;
        }

        var allFailed = generation.RemoteEndOfCandidates && gatheringComplete && generation.Triggered.Count == 0
            && generation.Pairs.TrueForAll(p => p.State == IceCandidatePairState.Failed);
        return allFailed || now - started >= options.CheckingTimeout;
    }

    /// <summary>Whether the current generation is done (not yet marked): nominated and carrying media on <paramref name="selected"/>, no candidate or check to come.</summary>
    public bool IsComplete(IceCandidatePair? selected)
    {
        var generation = generations.Current;
        return !generation.Completed && generation.Nominated && ReferenceEquals(selected, generation.Selected) && generation.RemoteEndOfCandidates
            && !generation.Pairs.Exists(p => p.State is IceCandidatePairState.Waiting or IceCandidatePairState.InProgress);
    }

    /// <summary>Diagnostics for a failed test: role, generation and every pair's state.</summary>
    public string Describe()
    {
        var current = generations.Current;
        return $"role {_role}, generation {current.Number} (remote {(current.Remote is null ? "unknown" : "known")}, triggered {current.Triggered.Count}, " +
            $"nominated {current.Nominated}), pairs: {string.Join("; ", current.Pairs.Select(p => $"{p} peer-checked {p.CheckedByPeer} peer-nominated {p.NominatedByPeer}"))}";
    }

    /// <summary>One pair per (socket, remote address): host candidates sharing a wildcard socket are one base.</summary>
    private void TryFormPair(IceGeneration generation, IceCandidate remote)
    {
        var endPoint = remote.TryGetEndPoint();
        if (endPoint is null)
        {
            return;
        }

        FormRelayPairs(generation, remote, endPoint);
        var local = options.TransportPolicy == IceTransportPolicy.Relay ? null : locals.ChooseFor(endPoint);
        if (local is not null && FindPair(generation, local.Socket, endPoint) is null)
        {
            AddPair(generation, local, remote, endPoint);
        }
    }

    /// <summary>Pairs <paramref name="remote"/> with every relay candidate of its family (relay bases are their own sockets).</summary>
    private void FormRelayPairs(IceGeneration generation, IceCandidate remote, IPEndPoint endPoint)
    {
        foreach (var local in locals.All)
        {
            if (local.Candidate.Type == IceCandidateType.Relay && local.Socket.AddressFamily == endPoint.AddressFamily
                && FindPair(generation, local.Socket, endPoint) is null)
            {
                AddPair(generation, local, remote, endPoint);
            }
        }
    }
}
