using Microsoft.Extensions.Logging;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// All a <see cref="CallSession"/> may use of the client that owns it: the work queue its state changes run on, the
/// clock, options, logger and peer factory, and the ways out (send a signal, raise an app event, dispose a peer connection
/// off the queue, count a drop, report the session closed). <see cref="CallClient"/> implements it; in the other
/// direction the client reaches a session only through <see cref="CallSession.HandleAsync"/>,
/// <see cref="CallSession.Close"/> and <see cref="CallSession.RemoteUserId"/>.
/// </summary>
internal interface ICallSessionHost
{
    SerialWorkQueue Queue { get; }

    TimeProvider Time { get; }

    ILogger Logger { get; }

    CallClientOptions Options { get; }

    ICallPeerConnection CreatePeerConnection(CallPeerContext context);

    /// <summary>Sends a signal to that user (in order, off the work queue; a failure is logged, not thrown).</summary>
    void Send(CallSession session, int userId, CallSignal signal);

    /// <summary>Raises an app event (in order, on the event queue).</summary>
    void Raise(CallPeerEvent kind, CallPeerEventArgs args);

    void RaiseConnectionStateChanged(CallConnectionStateEventArgs args);

    void RaiseUpdated(CallUpdateEventArgs args);

    /// <summary>Disposes a released pair's connection off the work queue.</summary>
    void DisposePeerConnection(ICallPeerConnection connection);

    void CountDrop(CallDropReason reason, string? detail, string? sessionId, int userId);

    /// <summary>The session closed (once): the client forgets it, remembers its id and raises SessionClosed.</summary>
    void OnSessionClosed(CallSession session);
}

/// <summary>The per-peer app events a session raises through <see cref="ICallSessionHost.Raise"/>.</summary>
internal enum CallPeerEvent
{
    Accepted,
    Rejected,
    Stopped,
    UserNotAnswered,
    InvalidEvent,
}
