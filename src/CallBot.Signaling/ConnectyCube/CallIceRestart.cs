namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// ICE restart on one pair of a session (the SDK's <c>iceRestart</c> / <c>iceRestartAccept</c>): only the side that made
/// the offer restarts, with a fresh offer; the other side answers it. Each side sends candidates again once its signaling
/// is stable. Used only on the work queue, while the session is active.
/// </summary>
internal sealed class CallIceRestart(string sessionId, CallPeerTable peers, CallPeerNegotiator negotiator, CallSignalOutbox outbox, CallCandidateTrickle trickle)
{
    /// <summary>Offerer side: sends <c>iceRestart</c> with a new offer. Throws when this side may not restart that pair.</summary>
    public async Task RestartAsync(int userId, CancellationToken ct)
    {
        if (!peers.TryGet(userId, out var link) || link.Connection is null || link.Released)
        {
            throw new InvalidOperationException($"No peer connection with user {userId} in session {sessionId}.");
        }
        if (link.Role != PeerRole.Offerer)
        {
            throw new InvalidOperationException($"Only the side that made the offer restarts ICE (canInitiateIceRestart({userId}) is false).");
        }
        link.Stable = false;
        if (await negotiator.CreateOfferAsync(link, iceRestart: true, ct) is not { } offer)
        {
            return;
        }
        link.LocalSdp = offer;
        outbox.SendIceRestart(userId, CallSignalType.IceRestart, offer);
    }

    /// <summary>The SDK's <c>processOnIceRestart</c>: apply the new offer, answer with <c>iceRestartAccept</c>.</summary>
    public async Task<CallDropReason?> OnOfferAsync(int fromUserId, CallSignal signal)
    {
        if (!peers.TryGet(fromUserId, out var link) || link.Released || link.Connection is null || string.IsNullOrEmpty(signal.Sdp))
        {
            return CallDropReason.UnexpectedForPeer;
        }
        if (await negotiator.CreateAnswerAsync(link, signal.Sdp, iceRestart: true, CancellationToken.None) is not { } answer)
        {
            return null;
        }
        link.LocalSdp = answer;
        outbox.SendIceRestart(fromUserId, CallSignalType.IceRestartAccept, answer);
        trickle.OnStable(link);
        return null;
    }

    /// <summary>Offerer side: apply the answer to our restart offer.</summary>
    public async Task<CallDropReason?> OnAnswerAsync(int fromUserId, CallSignal signal)
    {
        if (!peers.TryGet(fromUserId, out var link) || link.Released || link.Connection is null
            || link.Role != PeerRole.Offerer || string.IsNullOrEmpty(signal.Sdp))
        {
            return CallDropReason.UnexpectedForPeer;
        }
        if (await negotiator.ApplyAnswerAsync(link, signal.Sdp, iceRestart: true, CancellationToken.None))
        {
            trickle.OnStable(link);
        }
        return null;
    }
}
