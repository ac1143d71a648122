namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// What a pair's peer connection reports, on the work queue: its local candidates go to the trickle; its ICE state sets
/// the pair's state and is told to apps (the SDK's <c>onIceConnectionStateHandler</c>), and a pair disconnected for longer
/// than disconnectTimeInterval is handed back to the session to release. Events of a connection the pair no longer uses
/// are ignored.
/// </summary>
internal sealed class CallPeerConnectionEvents(
    ICallSessionHost host, CallSession session, CallCandidateTrickle trickle, Action<CallPeerLink> disconnectedTooLong)
{
    /// <summary>Subscribes to the pair's new connection.</summary>
    public void Attach(CallPeerLink link, ICallPeerConnection connection)
    {
        connection.LocalCandidate += (_, candidate) => host.Queue.Post(() => OnLocalCandidate(link, connection, candidate));
        connection.IceStateChanged += (_, state) => host.Queue.Post(() => OnIceState(link, connection, state));
    }

    private Task OnLocalCandidate(CallPeerLink link, ICallPeerConnection connection, IceCandidateInit candidate)
    {
        if (link.IsCurrent(connection))
        {
            trickle.OnLocal(link, candidate);
        }
        return Task.CompletedTask;
    }

    private Task OnIceState(CallPeerLink link, ICallPeerConnection connection, PeerIceState state)
    {
        if (!link.IsCurrent(connection) || link.ApplyIceState(state) is not { } reported)
        {
            return Task.CompletedTask;
        }
        if (state == PeerIceState.Disconnected)
        {
            StartReconnectTimer(link, connection);
        }
        host.RaiseConnectionStateChanged(new CallConnectionStateEventArgs(session, link.UserId, reported));
        return Task.CompletedTask;
    }

    private void StartReconnectTimer(CallPeerLink link, ICallPeerConnection connection)
    {
        link.StartReconnectTimer(host.Time.CreateTimer(
            _ => host.Queue.Post(() =>
            {
                if (link.Reconnecting && link.IsCurrent(connection))
                {
                    link.ClearReconnect();
                    CallLog.DisconnectReleased(host.Logger, session.Id, link.UserId);
                    disconnectedTooLong(link);
                }
                return Task.CompletedTask;
            }),
            null, host.Options.DisconnectTimeInterval, Timeout.InfiniteTimeSpan));
    }
}
