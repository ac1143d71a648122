namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// Trickle ICE between the pairs of a session: a local candidate goes out at once when the pair's signaling is stable,
/// else it is held until it is; remote candidates are held until the pair has a remote description. Both holds are
/// bounded by <see cref="CallClientOptions.MaxPendingCandidates"/>; what does not fit is dropped and counted.
/// Used only on the work queue.
/// </summary>
internal sealed class CallCandidateTrickle(ICallSessionHost host, string sessionId, CallSignalOutbox outbox, CallPeerNegotiator negotiator)
{
    /// <summary>The pair's signaling became stable: the local candidates held so far go out.</summary>
    public void OnStable(CallPeerLink link)
    {
        if (link.MarkStable() is { Length: > 0 } held)
        {
            outbox.SendCandidates(link.UserId, held);
        }
    }

    public void OnLocal(CallPeerLink link, IceCandidateInit candidate)
    {
        if (link.Stable)
        {
            outbox.SendCandidates(link.UserId, [candidate]);
        }
        else if (!link.TryHoldLocal(candidate, host.Options.MaxPendingCandidates))
        {
            host.CountDrop(CallDropReason.CandidateQueueFull, "local", sessionId, link.UserId);
        }
    }

    /// <summary>Candidates from the peer: applied, or held (bounded) while the pair has no remote description yet.</summary>
    public async Task<CallDropReason?> OnRemoteAsync(CallPeerLink link, IReadOnlyList<IceCandidateInit> candidates)
    {
        if (link.Connection is null || !link.Answered)
        {
            return link.TryHoldRemote(candidates, host.Options.MaxPendingCandidates) ? null : CallDropReason.CandidateQueueFull;
        }
        await negotiator.AddRemoteCandidatesAsync(link, candidates, CancellationToken.None);
        return null;
    }

    /// <summary>The pair has its remote description now: the remote candidates held so far are applied.</summary>
    public Task FlushRemoteAsync(CallPeerLink link, CancellationToken ct) =>
        link.Connection is null ? Task.CompletedTask : negotiator.AddRemoteCandidatesAsync(link, link.TakeHeldRemote(), ct);
}
