using System.Collections.Concurrent;
using CallBot.Media.Pacing;
using CallBot.Rtc;
using CallBot.Rtc.Dtls;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Rtc;

/// <summary>
/// Creates one <see cref="PeerConnectionAdapter"/> per remote user of a call for one bot: our WebRTC stack with the
/// process's one DTLS certificate and one media clock, the bot's tracks, and its recordings. Keeps each connection's
/// counters until the worker has read them.
/// </summary>
public sealed class RtcPeerConnectionFactory : ICallPeerConnectionFactory, ICallMediaStatsSource
{
    private readonly PeerConnectionOptions _options;
    private readonly DtlsCertificate _certificate;
    private readonly MediaClock _clock;
    private readonly Task<CallMediaTracks> _tracks;
    private readonly CallRecordings _recordings;
    private readonly CallBotTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<(string Session, int User), PeerConnectionAdapter> _connections = new();

    public RtcPeerConnectionFactory(
        PeerConnectionOptions options,
        DtlsCertificate certificate,
        MediaClock clock,
        CallMediaTracks tracks,
        CallRecordings recordings,
        CallBotTelemetry telemetry,
        TimeProvider time,
        ILoggerFactory loggers)
        : this(options, certificate, clock, Task.FromResult(tracks), recordings, telemetry, time, loggers)
    {
    }

    /// <summary>
    /// With tracks still encoding: the bot goes online meanwhile. Connections are created only once a call is placed or
    /// accepted, and the bot waits for <paramref name="tracks"/> before either.
    /// </summary>
    public RtcPeerConnectionFactory(
        PeerConnectionOptions options,
        DtlsCertificate certificate,
        MediaClock clock,
        Task<CallMediaTracks> tracks,
        CallRecordings recordings,
        CallBotTelemetry telemetry,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        // iceServers / alwaysRelayCalls are checked here, not at the first call (the options validator already did for config).
        IceServerSettings.ThrowIfInvalid(options.IceServers, options.IceTransportPolicy);
        _options = options;
        _certificate = certificate;
        _clock = clock;
        _tracks = tracks;
        _recordings = recordings;
        _telemetry = telemetry;
        _time = time;
        _loggers = loggers;
    }

    /// <summary>Connections created and not yet forgotten (live or closed).</summary>
    public int Count => _connections.Count;

    public ICallPeerConnection Create(CallPeerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_tracks.IsCompletedSuccessfully)
        {
            throw new InvalidOperationException("the bot's media is not ready; calls are placed and accepted only after it is");
        }

        var pc = new RtcPeerConnection(_options, _certificate, _time, _loggers);
        var plan = new MediaPlan(_clock, _tracks.Result, (audio, video) => _recordings.StartParticipant(context.SessionId, context.RemoteUserId, audio, video));
        var adapter = new PeerConnectionAdapter(context, pc, plan, _telemetry, _time);
        adapter.Media.FirstRemoteFrame += after => FirstRemoteFrame?.Invoke(this, new FirstRemoteFrameEventArgs(context.SessionId, context.RemoteUserId, after));
        _connections[(context.SessionId, context.RemoteUserId)] = adapter;
        return adapter;
    }

    public event EventHandler<FirstRemoteFrameEventArgs>? FirstRemoteFrame;

    public CallMediaStats? GetStats(string sessionId, int remoteUserId) =>
        _connections.TryGetValue((sessionId, remoteUserId), out var adapter) ? adapter.GetStats() : null;

    public void Forget(string sessionId)
    {
        foreach (var key in _connections.Keys)
        {
            if (key.Session == sessionId)
            {
                _connections.TryRemove(key, out _);
            }
        }
    }
}
