namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// Builds a session's outgoing signals and hands them to the client, which sends them in order. Every call signal carries
/// the session id, call type, caller and opponents (the SDK reads them from any of them); the ICE-restart pair carries only
/// the session id and the SDP.
/// </summary>
internal sealed class CallSignalOutbox(ICallSessionHost host, CallSession session)
{
    /// <summary>The <c>call</c> (offer) of a dialing pair; sent again with every re-dial.</summary>
    public void SendCall(CallPeerLink link)
    {
        link.CallsSent++;
        Send(link.UserId, Signal(CallSignalType.Call) with { Sdp = link.LocalSdp, UserInfo = SignalUserInfo.Prepare(link.DialUserInfo) });
    }

    public void SendAccept(int userId, string answer, UserInfo? userInfo) =>
        Send(userId, Signal(CallSignalType.Accept) with { Sdp = answer, UserInfo = SignalUserInfo.Prepare(userInfo) });

    /// <summary><c>reject</c> or <c>hangUp</c> to every pair the session has made.</summary>
    public void SendEnd(CallSignalType type, UserInfo userInfo, IEnumerable<CallPeerLink> links)
    {
        var signal = Signal(type) with { UserInfo = SignalUserInfo.Prepare(userInfo) };
        foreach (var link in links)
        {
            Send(link.UserId, signal);
        }
    }

    public void SendCandidates(int userId, IReadOnlyList<IceCandidateInit> candidates) =>
        Send(userId, Signal(CallSignalType.IceCandidates) with { IceCandidates = candidates });

    public void SendIceRestart(int userId, CallSignalType type, string sdp) =>
        Send(userId, new CallSignal { Type = type, SessionId = session.Id, Sdp = sdp });

    private void Send(int userId, CallSignal signal) => host.Send(session, userId, signal);

    private CallSignal Signal(CallSignalType type) => new()
    {
        Type = type, SessionId = session.Id, CallType = session.CallType, CallerId = session.InitiatorId, OpponentIds = session.OpponentIds,
    };
}
