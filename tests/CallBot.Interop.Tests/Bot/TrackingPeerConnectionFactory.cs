using System.Collections.Concurrent;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Rtc;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// The worker's <see cref="RtcPeerConnectionFactory"/>, unchanged, plus a record of every connection it created, so a
/// test can read the bot's own peer connection (SDP it wrote, RTP stats, target bitrates) for a call.
/// </summary>
internal sealed class TrackingPeerConnectionFactory(RtcPeerConnectionFactory inner) : ICallPeerConnectionFactory, ICallMediaStatsSource
{
    private readonly ConcurrentDictionary<(string Session, int User), PeerConnectionAdapter> _created = new();

    public event EventHandler<FirstRemoteFrameEventArgs>? FirstRemoteFrame
    {
        add => inner.FirstRemoteFrame += value;
        remove => inner.FirstRemoteFrame -= value;
    }

    public ICallPeerConnection Create(CallPeerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = inner.Create(context);
        if (connection is PeerConnectionAdapter adapter)
        {
            _created[(context.SessionId, context.RemoteUserId)] = adapter;
        }

        return connection;
    }

    /// <summary>The bot's connection with <paramref name="remoteUserId"/> in that session (kept after the call ended).</summary>
    public PeerConnectionAdapter? Connection(string sessionId, int remoteUserId) =>
        _created.TryGetValue((sessionId, remoteUserId), out var adapter) ? adapter : null;

    public CallMediaStats? GetStats(string sessionId, int remoteUserId) =>
        _created.TryGetValue((sessionId, remoteUserId), out var adapter) ? adapter.GetStats() : inner.GetStats(sessionId, remoteUserId);

    public void Forget(string sessionId) => inner.Forget(sessionId);
}
