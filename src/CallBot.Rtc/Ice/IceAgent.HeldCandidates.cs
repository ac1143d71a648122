namespace CallBot.Rtc.Ice;

/// <summary>
/// Trickle ordering across ICE restarts (RFC 8838 §5.2 ufrag). A browser's candidates carry the ufrag of their generation,
/// and signaling may deliver a restart's candidates before its offer: those are held (bounded) until credentials with
/// that ufrag are applied, then added to that generation. Candidates of an older remote generation are dropped.
/// Without a ufrag a candidate goes to the current generation (all on the agent loop).
/// </summary>
public sealed partial class IceAgent
{
    /// <summary>Enough for a browser's full trickle of one restart (hosts, srflx, relays over a few interfaces).</summary>
    public const int MaxHeldCandidates = 64;

    /// <summary>Past remote ufrags remembered to recognise stale candidates.</summary>
    private const int MaxPastRemoteUfrags = 8;

    private readonly List<IceCandidate> _heldCandidates = [];
    private readonly List<string> _pastRemoteUfrags = [];
    private int _heldCount;

    /// <summary>Held candidates waiting for their generation's credentials.</summary>
    public int HeldCandidateCount => Volatile.Read(ref _heldCount);

    /// <summary>True when <paramref name="candidate"/> goes to the current generation; otherwise it was held or dropped.</summary>
    private bool BelongsToCurrentGeneration(IceCandidate candidate)
    {
        if (candidate.Ufrag is not { } ufrag)
        {
            return true;
        }

        if (_pastRemoteUfrags.Contains(ufrag) && _current.Remote?.Ufrag != ufrag)
        {
            Counters.Count(IceCounter.CandidatesDroppedStaleGeneration);
            IceLog.CandidateStale(_logger, candidate.Address);
            return false;
        }

        // Credentials not known yet (a generation awaiting the peer's answer or offer): it is for this one.
        if (_current.Remote is null || _current.Remote.Ufrag == ufrag)
        {
            return true;
        }

        if (_heldCandidates.Count >= MaxHeldCandidates)
        {
            _heldCandidates.RemoveAt(0);
            Counters.Count(IceCounter.CandidatesDroppedHeldOverflow);
        }

        _heldCandidates.Add(candidate);
        Volatile.Write(ref _heldCount, _heldCandidates.Count);
        Counters.Count(IceCounter.CandidatesHeldForNextGeneration);
        IceLog.CandidateHeld(_logger, candidate.Address);
        return false;
    }

    private void ReleaseHeldCandidates(string remoteUfrag)
    {
        if (_heldCandidates.Count == 0)
        {
            return;
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
                Counters.Count(IceCounter.CandidatesDroppedStaleGeneration);
            }
        }

        Volatile.Write(ref _heldCount, _heldCandidates.Count);
        foreach (var candidate in released)
        {
            ApplyRemoteCandidate(candidate);
        }
    }

    private void RememberPastRemoteUfrag(IceGeneration old)
    {
        if (old.Remote is not { } remote || _pastRemoteUfrags.Contains(remote.Ufrag))
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
