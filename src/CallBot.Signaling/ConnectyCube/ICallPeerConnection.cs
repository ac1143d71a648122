namespace CallBot.Signaling.ConnectyCube;

/// <summary>Which side of the SDP exchange a peer connection is on for one pair of users.</summary>
public enum PeerRole
{
    /// <summary>Sends the <c>call</c> (offer); the only side that may start an ICE restart (<c>canInitiateIceRestart</c>).</summary>
    Offerer,
    /// <summary>Answers with <c>accept</c>.</summary>
    Answerer,
}

/// <summary>ICE connection state of one peer connection, as <c>RTCPeerConnection.iceConnectionState</c>.</summary>
public enum PeerIceState
{
    New,
    Checking,
    Connected,
    Completed,
    Failed,
    Disconnected,
    Closed,
}

/// <summary>What the session asks the factory for: one peer connection towards one remote user.</summary>
public sealed record CallPeerContext(string SessionId, int LocalUserId, int RemoteUserId, PeerRole Role, CallType CallType, int MaxBandwidthKbps);

/// <summary>Creates the WebRTC side of a call; implemented by the worker on top of CallBot.Rtc, and by fakes in tests.</summary>
public interface ICallPeerConnectionFactory
{
    ICallPeerConnection Create(CallPeerContext context);
}

/// <summary>
/// The WebRTC operations the call session needs. The session calls them one at a time; events may be raised on any thread,
/// including synchronously from inside a call.
/// </summary>
public interface ICallPeerConnection : IAsyncDisposable
{
    /// <summary>A locally gathered candidate (never the end-of-candidates marker).</summary>
    event EventHandler<IceCandidateInit>? LocalCandidate;

    event EventHandler<PeerIceState>? IceStateChanged;

    /// <summary>Creates an offer and applies it locally; returns its SDP. <paramref name="iceRestart"/> asks for fresh ICE credentials.</summary>
    Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken);

    /// <summary>Applies the remote offer, creates an answer and applies it locally; returns the answer SDP.</summary>
    Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken);

    /// <summary>Applies the remote answer to our offer.</summary>
    Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken);

    Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken);

    /// <summary>Caps what this side sends (kbit/s, 0 = no cap); <c>session.setMaxBandwidth</c>.</summary>
    void SetMaxBandwidth(int kbps);
}
