using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Ice;

/// <summary>
/// Trickle ordering across ICE restarts (RFC 8838 §5.2 ufrag). A browser's candidates carry the ufrag of their generation,
/// and signaling may deliver a restart's candidates before its offer: those are held (bounded) until credentials with
/// that ufrag are applied, then added to that generation. Candidates of an older remote generation are dropped.
/// Without a ufrag a candidate goes to the current generation. Owned by the agent loop.
/// </summary>
internal sealed class IceRemoteGenerations(IceCounters counters, ILogger logger)
{
    /// <summary>Enough for a browser's full trickle of one restart (hosts, srflx, relays over a few interfaces).</summary>
    public const int MaxHeldCandidates = 64;

    /// <summary>Past remote ufrags remembered to recognise stale candidates.</summary>
    private const int MaxPastRemoteUfrags = 8;

    private readonly List<IceCandidate> _heldCandidates = [];
    private readonly List<string> _pastRemoteUfrags = [];
    private int _heldCount;

    /// <summary>Held candidates waiting for their generation's credentials. Safe from any thread.</summary>
    public int HeldCount => Volatile.Read(ref _heldCount);

    /// <summary>
    /// True when <paramref name="candidate"/> goes to the generation whose remote credentials are <paramref name="currentRemote"/>
    /// (null: not known yet); otherwise it was held or dropped.
    /// </summary>
    public bool BelongsToCurrent(IceCandidate candidate, IceCredentials? currentRemote)
    {
        if (candidate.Ufrag is not { } ufrag)
        {
            return true;
        }

        if (_pastRemoteUfrags.Contains(ufrag) && currentRemote?.Ufrag != ufrag)
        {
            counters.Count(IceCounter.CandidatesDroppedStaleGeneration);
            IceLog.CandidateStale(logger, candidate.Address);
            return false;
        }

        // Credentials not known yet (a generation awaiting the peer's answer or offer): it is for this one.
        if (currentRemote is null || currentRemote.Ufrag == ufrag)
        {
            return true;
        }

        if (_heldCandidates.Count >= MaxHeldCandidates)
        {
            _heldCandidates.RemoveAt(0);
            counters.Count(IceCounter.CandidatesDroppedHeldOverflow);
        }

        _heldCandidates.Add(candidate);
        Volatile.Write(ref _heldCount, _heldCandidates.Count);
        counters.Count(IceCounter.CandidatesHeldForNextGeneration);
        IceLog.CandidateHeld(logger, candidate.Address);
        return false;
    }

    /// <summary>Takes the held candidates of <paramref name="remoteUfrag"/>, in arrival order; drops those of past generations.</summary>
    public List<IceCandidate>? Release(string remoteUfrag)
    {
        if (_heldCandidates.Count == 0)
        {
            return null;
        }

        var released = new List<IceCandidate>();
        for (var i = _heldCandidates.Count - 1; i >= 0; i--)
        {
            var held = _heldCandidates[i];
            if (held.Ufrag == remoteUfrag)
            {
                released.Insert(0, held);
                _heldCandidates.RemoveAt(i);
            }
            else if (held.Ufrag is { } ufrag && _pastRemoteUfrags.Contains(ufrag))
            {
                _heldCandidates.RemoveAt(i);
                counters.Count(IceCounter.CandidatesDroppedStaleGeneration);
            }
        }

        Volatile.Write(ref _heldCount, _heldCandidates.Count);
        return released;
    }

    /// <summary>A generation ended: its remote ufrag now marks stale candidates.</summary>
    public void RememberPast(IceCredentials? remote)
    {
        if (remote is null || _pastRemoteUfrags.Contains(remote.Ufrag))
        {
            return;
        }

        if (_pastRemoteUfrags.Count >= MaxPastRemoteUfrags)
        {
            _pastRemoteUfrags.RemoveAt(0);
        }

        _pastRemoteUfrags.Add(remote.Ufrag);
    }
}
