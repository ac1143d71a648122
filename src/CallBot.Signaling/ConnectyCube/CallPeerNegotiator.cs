namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The SDP and candidate operations of a session's pairs on their <see cref="ICallPeerConnection"/>s. A failing operation
/// is logged with the pair and what was tried, never thrown into the state machine: the caller gets null (or false) and
/// decides whether the pair survives. Cancellation still propagates. Used only on the work queue.
/// </summary>
internal sealed class CallPeerNegotiator(ICallSessionHost host, string sessionId)
{
    /// <summary>A new offer (fresh ICE credentials with <paramref name="iceRestart"/>), or null when it failed.</summary>
    public Task<string?> CreateOfferAsync(CallPeerLink link, bool iceRestart, CancellationToken ct) =>
        TryAsync(link, iceRestart ? "ICE restart offer" : "create offer", c => c.CreateOfferAsync(iceRestart, ct));

    /// <summary>An answer to <paramref name="offer"/>, or null when it failed.</summary>
    public Task<string?> CreateAnswerAsync(CallPeerLink link, string offer, bool iceRestart, CancellationToken ct) =>
        TryAsync(link, iceRestart ? "ICE restart answer" : "create answer", c => c.CreateAnswerAsync(offer, ct));

    /// <summary>Applies the remote answer; false when it failed.</summary>
    public async Task<bool> ApplyAnswerAsync(CallPeerLink link, string answer, bool iceRestart, CancellationToken ct) =>
        await TryAsync(link, iceRestart ? "apply ICE restart answer" : "apply answer", async c =>
        {
            await c.ApplyAnswerAsync(answer, ct);
            return string.Empty;
        }) is not null;

    /// <summary>Adds the candidates that carry one (the end-of-candidates marker has none) to the pair's connection.</summary>
    public async Task AddRemoteCandidatesAsync(CallPeerLink link, IReadOnlyList<IceCandidateInit> candidates, CancellationToken ct)
    {
        var usable = new List<IceCandidateInit>(candidates.Count);
        foreach (var c in candidates)
        {
            if (!string.IsNullOrEmpty(c.Candidate))
            {
                usable.Add(c);
            }
        }
        if (usable.Count > 0)
        {
            await TryAsync(link, "add remote candidates", async c =>
            {
                await c.AddRemoteCandidatesAsync(usable, ct);
                return string.Empty;
            });
        }
    }

    private async Task<string?> TryAsync(CallPeerLink link, string operation, Func<ICallPeerConnection, Task<string>> run)
    {
        if (link.Connection is not { } connection)
        {
            return null;
        }
        try
        {
            return await run(connection);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CallLog.PeerOperationFailed(host.Logger, sessionId, link.UserId, operation, ex);
            return null;
        }
    }
}
