using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Rtc;

namespace CallBot.Worker.Load;

/// <summary>
/// One load bot's peer connections: built by the recording or the plain <see cref="RtcPeerConnectionFactory"/> (the
/// caller of a call the plan marks for recording records it), each one registered with the run's <see cref="StreamMonitor"/>.
/// </summary>
internal sealed class LoadPeerConnectionFactory(RtcPeerConnectionFactory plain, RtcPeerConnectionFactory recording, StreamMonitor monitor, Func<string, bool> recordsSession, TimeProvider time)
    : ICallPeerConnectionFactory, ICallMediaStatsSource
{
    public event EventHandler<FirstRemoteFrameEventArgs>? FirstRemoteFrame;

    public ICallPeerConnection Create(CallPeerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var factory = recordsSession(context.SessionId) ? recording : plain;
        var adapter = (PeerConnectionAdapter)factory.Create(context);
        adapter.Media.FirstRemoteFrame += after => FirstRemoteFrame?.Invoke(this, new FirstRemoteFrameEventArgs(context.SessionId, context.RemoteUserId, after));
        var probe = new ConnectionProbe(context.SessionId, context.LocalUserId, context.RemoteUserId, adapter, time);
        monitor.Add(probe);
        return new TrackedPeerConnection(adapter, probe);
    }

    public CallMediaStats? GetStats(string sessionId, int remoteUserId) =>
        plain.GetStats(sessionId, remoteUserId) ?? recording.GetStats(sessionId, remoteUserId);

    public void Forget(string sessionId)
    {
        plain.Forget(sessionId);
        recording.Forget(sessionId);
    }
}
