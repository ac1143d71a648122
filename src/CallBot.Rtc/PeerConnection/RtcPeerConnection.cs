using System.Security.Cryptography;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Interceptors;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// An RTCPeerConnection-shaped WebRTC endpoint: one UDP transport + ICE agent (BUNDLE, rtcp-mux), DTLS-SRTP keyed from the
/// SDP fingerprints, and RTP/RTCP per transceiver. This class keeps the public API, the lifecycle and the media paths
/// (RtcPeerConnection.Media.cs); offer/answer is <see cref="JsepNegotiator"/>, ICE and DTLS <see cref="PeerTransport"/>,
/// the states <see cref="PeerConnectionStates"/>, RTCP out <see cref="RtcpTimer"/>. See PeerConnection/README.md for the lifecycle and threading model.
/// </summary>
public sealed partial class RtcPeerConnection : IAsyncDisposable
{
    private readonly PeerConnectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
    private readonly TransceiverList _transceivers;
    private readonly PeerConnectionEventPump _events;
    private readonly PeerConnectionStates _states;
    private readonly PeerTransport _transport;
    private readonly JsepNegotiator _negotiator;
    private readonly PeerConnectionStatsCollector _stats;
    private readonly RtcpTimer _rtcp;
    private readonly CancellationTokenSource _closing = new();
    private int _closed;

    // The keys of both media paths, installed under _receiveLock once DTLS completes; disposed with the connection.
    private volatile SrtpSession? _srtp;

    public RtcPeerConnection(PeerConnectionOptions options, DtlsCertificate certificate, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        IceServerSettings.ThrowIfInvalid(options.IceServers, options.IceTransportPolicy);
        _options = options;
        LocalFingerprint = certificate.Fingerprint;
        _time = time;
        _logger = loggers.CreateLogger<RtcPeerConnection>();
        var cname = options.CName ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        // Before any task starts: an invalid stage name throws here with nothing to clean up.
        _interceptors = new InterceptorChain(
            new InterceptorContext(options, time, _demux, Post, cname, RequestEarlyRtcp, () => _transport?.Ice?.RoundTripTime));
        _transceivers = new TransceiverList($"callbot-{_id}", time);
        _events = new PeerConnectionEventPump(_logger, _id);
        _states = new PeerConnectionStates(_logger, _id,
            ice => Post(() => IceConnectionStateChanged?.Invoke(this, ice)),
            state => Post(() => ConnectionStateChanged?.Invoke(this, state)), _closing.Token);
        _transport = new PeerTransport(options, certificate, time, loggers, _id, _states, OnRtpDatagram, OnLocalCandidate, OnKeys,
            _closing.Token);
        _negotiator = new JsepNegotiator(options, _transceivers, _transport,
            new LocalCapabilities(options, _interceptors, cname, certificate), _logger, _id, () => _srtp, UpdateDemux, _closing.Token);
        _stats = new PeerConnectionStatsCollector(time, _states, _transport, _transceivers, _interceptors, _receiveLock);
        _rtcp = new RtcpTimer(time, _logger, _id, _transceivers, _interceptors, _receiveLock, () => _srtp, PostGap, _closing.Token);
    }

    /// <summary>A local ICE candidate to signal (null <see cref="LocalIceCandidate.Candidate"/> = end-of-candidates).</summary>
    public event EventHandler<LocalIceCandidate>? LocalCandidate;

    public event EventHandler<IceConnectionState>? IceConnectionStateChanged;

    public event EventHandler<PeerConnectionState>? ConnectionStateChanged;

    /// <summary>Short random id used in logs.</summary>
    public string Id => _id;

    public IReadOnlyList<RtpTransceiver> Transceivers => _transceivers.All;

    public IceConnectionState IceConnectionState => _states.Ice;

    public PeerConnectionState ConnectionState => _states.State;

    /// <summary>The local DTLS certificate fingerprint written into our descriptions.</summary>
    public DtlsFingerprint LocalFingerprint { get; }

    /// <inheritdoc cref="JsepNegotiator.LocalDescription"/>
    public string? LocalDescription => _negotiator.LocalDescription;

    /// <inheritdoc cref="JsepNegotiator.RemoteDescription"/>
    public string? RemoteDescription => _negotiator.RemoteDescription;

    /// <summary>True once every socket, loop, timer and task of this connection has ended (after <see cref="DisposeAsync"/>).</summary>
    internal bool AllBackgroundWorkCompleted =>
        Volatile.Read(ref _closed) == 1 && _events.IsCompleted && _transport.AllBackgroundWorkCompleted;

    internal IceAgent? IceAgent => _transport.Ice;

    /// <summary>Adds a transceiver (before <see cref="CreateOfferAsync"/>, or before <see cref="CreateAnswerAsync"/> to send on an offered m-line).</summary>
    public RtpTransceiver AddTransceiver(MediaKind kind, TransceiverDirection direction)
    {
        ThrowIfClosed();
        return _transceivers.Add(kind, direction);
    }

    /// <summary>Caps what we send (kbps, 0 = no cap); surfaced to every transceiver as <see cref="RtpTransceiver.TargetBitrateKbps"/>.</summary>
    public void SetMaxBandwidth(int kbps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(kbps);
        _transceivers.SetMaxBandwidth(kbps);
    }

    /// <inheritdoc cref="JsepNegotiator.CreateOfferAsync"/>
    public Task<string> CreateOfferAsync(bool iceRestart = false, CancellationToken ct = default) => _negotiator.CreateOfferAsync(iceRestart, ct);

    /// <inheritdoc cref="JsepNegotiator.SetRemoteAnswerAsync"/>
    public Task SetRemoteAnswerAsync(string sdp, CancellationToken ct = default) => _negotiator.SetRemoteAnswerAsync(sdp, ct);

    /// <inheritdoc cref="JsepNegotiator.SetRemoteOfferAsync"/>
    public Task SetRemoteOfferAsync(string sdp, CancellationToken ct = default) => _negotiator.SetRemoteOfferAsync(sdp, ct);

    /// <inheritdoc cref="JsepNegotiator.CreateAnswerAsync"/>
    public Task<string> CreateAnswerAsync(CancellationToken ct = default) => _negotiator.CreateAnswerAsync(ct);

    /// <inheritdoc cref="JsepNegotiator.AddRemoteCandidate"/>
    /// <param name="sdpMid">Unused: BUNDLE puts every m-line on one transport.</param>
    /// <param name="sdpMLineIndex">Unused, as <paramref name="sdpMid"/>.</param>
    public void AddRemoteCandidate(string? candidate, string? sdpMid, int? sdpMLineIndex)
    {
        ThrowIfClosed();
        _ = (sdpMid, sdpMLineIndex);
        _negotiator.AddRemoteCandidate(candidate);
    }

    /// <summary>GetStats: a snapshot read without stopping the media paths.</summary>
    public PeerConnectionStats GetStats() => _stats.Collect(_srtp, RtpDropped);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _rtcp.DisposeAsync().ConfigureAwait(false);
        _states.Close();
        await _transport.DisposeAsync().ConfigureAwait(false);
        lock (_receiveLock)
        {
            _srtp?.Dispose();
            _srtp = null;
            _interceptors.Close();
            foreach (var transceiver in _transceivers.All)
            {
                transceiver.SendStream.Attach(null);
                transceiver.ReceiveStream?.Dispose();
                transceiver.ReceiveStream = null;
            }
        }

        await _events.StopAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);

    /// <summary>Queues an event; the pump raises them one at a time, in order, outside every lock.</summary>
    private void Post(Action raise) => _events.Post(raise);

    private void OnLocalCandidate(IceCandidate? candidate)
    {
        var local = new LocalIceCandidate(candidate?.ToString(), _transceivers.FirstMid, 0);
        Post(() => LocalCandidate?.Invoke(this, local));
    }

    /// <summary>
    /// DTLS completed: both media paths use the keys from now on and the RTCP timer starts. False when the connection
    /// closed meanwhile (the keys are then disposed here).
    /// </summary>
    private bool OnKeys(SrtpSession session)
    {
        lock (_receiveLock)
        {
            if (Volatile.Read(ref _closed) != 0)
            {
                session.Dispose();
                return false;
            }

            _srtp = session;
        }

        foreach (var transceiver in _transceivers.All)
        {
            transceiver.SendStream.Attach(session);
        }

        return _rtcp.Start(); // false: closed while the keys were being installed
    }
}
