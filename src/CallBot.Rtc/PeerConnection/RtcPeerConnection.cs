using System.Security.Cryptography;
using System.Threading.Channels;
using CallBot.Abstractions;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Media;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// An RTCPeerConnection-shaped WebRTC endpoint: one UDP transport + ICE agent (BUNDLE, rtcp-mux), DTLS-SRTP keyed from the
/// SDP fingerprints, and RTP/RTCP per transceiver. See PeerConnection/README.md for the lifecycle and threading model.
/// </summary>
public sealed partial class RtcPeerConnection : IAsyncDisposable
{
    private readonly PeerConnectionOptions _options;
    private readonly DtlsCertificate _certificate;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly string _id = Convert.ToHexString(RandomNumberGenerator.GetBytes(4));
    private readonly string _cname;
    private readonly SemaphoreSlim _signaling = new(1, 1);

    // Transceivers (copy-on-write array; writers under _transceiverLock) and the send cap applied to each.
    private readonly Lock _transceiverLock = new();
    private volatile RtpTransceiver[] _transceivers = [];
    private int _maxBandwidthKbps;

    // Lifecycle: connection state (under _stateLock), the event pump, closing.
    private readonly Lock _stateLock = new();
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _eventPump;
    private readonly CancellationTokenSource _closing = new();
    private readonly AsyncLocal<bool> _onEventPump = new();
    private IceConnectionState _iceState = IceConnectionState.New;
    private DtlsPhase _dtlsPhase = DtlsPhase.New;
    private PeerConnectionState _state = PeerConnectionState.New;
    private int _closed;

    public RtcPeerConnection(PeerConnectionOptions options, DtlsCertificate certificate, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        IceServerSettings.ThrowIfInvalid(options.IceServers, options.IceTransportPolicy);
        _options = options;
        _certificate = certificate;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<RtcPeerConnection>();
        _cname = options.CName ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        _sessionId = (ulong)RandomNumberGenerator.GetInt32(int.MaxValue) << 20;
        // Before any task starts: an invalid stage name throws here with nothing to clean up.
        _interceptors = new InterceptorChain(new InterceptorContext(options, time, _demux, Post, _cname));
        _sendDatagram = SendDatagram;
        _eventPump = Task.Run(PumpEventsAsync);
        _timer = time.CreateTimer(static s => ((RtcPeerConnection)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private enum DtlsPhase
    {
        New,
        Connecting,
        Connected,
        Failed,
        Closed,
    }

    /// <summary>A local ICE candidate to signal (null <see cref="LocalIceCandidate.Candidate"/> = end-of-candidates).</summary>
    public event EventHandler<LocalIceCandidate>? LocalCandidate;

    public event EventHandler<IceConnectionState>? IceConnectionStateChanged;

    public event EventHandler<PeerConnectionState>? ConnectionStateChanged;

    /// <summary>Short random id used in logs.</summary>
    public string Id => _id;

    public IReadOnlyList<RtpTransceiver> Transceivers => _transceivers;

    public IceConnectionState IceConnectionState
    {
        get
        {
            lock (_stateLock)
            {
                return _iceState;
            }
        }
    }

    public PeerConnectionState ConnectionState
    {
        get
        {
            lock (_stateLock)
            {
                return _state;
            }
        }
    }

    /// <summary>The local DTLS certificate fingerprint written into our descriptions.</summary>
    public DtlsFingerprint LocalFingerprint => _certificate.Fingerprint;

    /// <summary>Adds a transceiver (before <see cref="CreateOfferAsync"/>, or before <see cref="CreateAnswerAsync"/> to send on an offered m-line).</summary>
    public RtpTransceiver AddTransceiver(MediaKind kind, TransceiverDirection direction)
    {
        ThrowIfClosed();
        lock (_transceiverLock)
        {
            return AddTransceiverLocked(kind, direction);
        }
    }

    /// <summary>Caps what we send (kbps, 0 = no cap); surfaced to every transceiver as <see cref="RtpTransceiver.TargetBitrateKbps"/>.</summary>
    public void SetMaxBandwidth(int kbps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(kbps);
        foreach (var transceiver in _transceivers)
        {
            transceiver.MaxBandwidthKbps = kbps;
            transceiver.UpdateTargetBitrate();
        }

        _maxBandwidthKbps = kbps;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        await _timer.DisposeAsync().ConfigureAwait(false);
        lock (_stateLock)
        {
            SetStateLocked(PeerConnectionState.Closed);
            if (_iceState != IceConnectionState.Closed)
            {
                _iceState = IceConnectionState.Closed;
                var closed = IceConnectionState.Closed;
                Post(() => IceConnectionStateChanged?.Invoke(this, closed));
            }
        }

        // DTLS first: close_notify still needs the ICE path.
        if (_dtls is { } dtls)
        {
            await dtls.DisposeAsync().ConfigureAwait(false);
        }

        if (_handshake is { } handshake)
        {
            await handshake.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_ice is { } ice)
        {
            await ice.DisposeAsync().ConfigureAwait(false);
        }

        if (_gathering is { } gathering)
        {
            await gathering.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        lock (_receiveLock)
        {
            _srtp?.Dispose();
            _srtp = null;
            _interceptors.Close();
            foreach (var transceiver in _transceivers)
            {
                transceiver.SendStream.Attach(null);
                transceiver.ReceiveStream?.Dispose();
                transceiver.ReceiveStream = null;
            }
        }

        _events.Writer.TryComplete();
        if (!_onEventPump.Value)
        {
            await _eventPump.ConfigureAwait(false);
        }

        _closing.Dispose();
    }

    /// <summary>True once every socket, loop, timer and task of this connection has ended (after <see cref="DisposeAsync"/>).</summary>
    internal bool AllBackgroundWorkCompleted =>
        Volatile.Read(ref _closed) == 1 && _eventPump.IsCompleted && (_ice?.AllBackgroundWorkCompleted ?? true)
        && (_handshake?.IsCompleted ?? true);

    internal IceAgent? IceAgent => _ice;

    private RtpTransceiver AddTransceiverLocked(MediaKind kind, TransceiverDirection direction)
    {
        var ssrc = NewSsrc();
        uint? rtxSsrc = kind == MediaKind.Video ? NewSsrc() : null;
        var transceiver = new RtpTransceiver(kind, direction, ssrc, rtxSsrc, $"callbot-{_id}",
            Guid.NewGuid().ToString("D"), _time)
        {
            MaxBandwidthKbps = _maxBandwidthKbps,
        };
        transceiver.UpdateTargetBitrate();
        _transceivers = [.. _transceivers, transceiver];
        return transceiver;
    }

    private uint NewSsrc()
    {
        while (true)
        {
            var ssrc = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue) * 2u + (uint)RandomNumberGenerator.GetInt32(2);
            var clash = false;
            foreach (var t in _transceivers)
            {
                clash |= t.Ssrc == ssrc || t.SendStream.RtxSsrc == ssrc;
            }

            if (!clash && ssrc != 0)
            {
                return ssrc;
            }
        }
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, this);

    /// <summary>Queues an event; the pump raises them one at a time, in order, outside every lock.</summary>
    private void Post(Action raise) => _events.Writer.TryWrite(raise);

    private async Task PumpEventsAsync()
    {
        _onEventPump.Value = true;
        await foreach (var raise in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                raise();
            }
#pragma warning disable CA1031 // A subscriber's exception must not stop the pump or crash the process.
            catch (Exception e)
#pragma warning restore CA1031
            {
                PeerConnectionLog.HandlerFailed(_logger, _id, e);
            }
        }
    }

    private void OnIceState(IceConnectionState state)
    {
        var startDtls = false;
        lock (_stateLock)
        {
            if (Volatile.Read(ref _closed) != 0 || _iceState == state)
            {
                return;
            }

            _iceState = state;
            PeerConnectionLog.IceStateChanged(_logger, _id, state);
            Post(() => IceConnectionStateChanged?.Invoke(this, state));
            if (state is IceConnectionState.Connected or IceConnectionState.Completed && _dtlsPhase == DtlsPhase.New && _dtls is not null)
            {
                _dtlsPhase = DtlsPhase.Connecting;
                startDtls = true;
            }

            UpdateStateLocked();
        }

        if (startDtls)
        {
            StartHandshake();
        }
    }

    private void SetDtlsPhase(DtlsPhase phase)
    {
        lock (_stateLock)
        {
            if (_dtlsPhase is DtlsPhase.Failed or DtlsPhase.Closed)
            {
                return;
            }

            _dtlsPhase = phase;
            UpdateStateLocked();
        }
    }

    private void UpdateStateLocked()
    {
        var next = (_iceState, _dtlsPhase) switch
        {
            (_, DtlsPhase.Failed) => PeerConnectionState.Failed,
            (_, DtlsPhase.Closed) => PeerConnectionState.Disconnected,
            (IceConnectionState.Failed, _) => PeerConnectionState.Failed,
            (IceConnectionState.Disconnected, _) => PeerConnectionState.Disconnected,
            (IceConnectionState.Connected or IceConnectionState.Completed, DtlsPhase.Connected) => PeerConnectionState.Connected,
            (IceConnectionState.New, DtlsPhase.New) => PeerConnectionState.New,
            _ => PeerConnectionState.Connecting,
        };
        SetStateLocked(next);
    }

    private void SetStateLocked(PeerConnectionState next)
    {
        if (_state == next || _state == PeerConnectionState.Closed)
        {
            return;
        }

        _state = next;
        PeerConnectionLog.StateChanged(_logger, _id, next);
        Post(() => ConnectionStateChanged?.Invoke(this, next));
    }
}
