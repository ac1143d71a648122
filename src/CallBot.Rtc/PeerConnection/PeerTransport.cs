using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// The transport of one peer connection (BUNDLE, rtcp-mux: one for all m-lines): the ICE agent, created by the first
/// offer or remote offer, and the DTLS-SRTP association, created by the first negotiation and handshaken once ICE
/// connects. Its outcome is an <see cref="SrtpSession"/> handed to <paramref name="onKeys"/>; ICE state and DTLS phase
/// go to <paramref name="states"/>. ICE restarts keep the association: there is one handshake per connection.
/// </summary>
internal sealed class PeerTransport(
    PeerConnectionOptions options,
    DtlsCertificate certificate,
    TimeProvider time,
    ILoggerFactory loggers,
    string id,
    PeerConnectionStates states,
    DatagramHandler onRtp,
    Action<IceCandidate?> onLocalCandidate,
    Func<SrtpSession, bool> onKeys,
    CancellationToken closing)
{
    private const int MaxEarlyDtlsDatagrams = 16;

    /// <summary>TLS AlertDescription close_notify (RFC 5246 §7.2.1).</summary>
    private const short CloseNotify = 0;

    private readonly ILogger _logger = loggers.CreateLogger<RtcPeerConnection>();
    private readonly List<byte[]> _earlyDtls = [];
    private IceAgent? _ice;
    private DtlsSrtpTransport? _dtls;
    private Task? _handshake;
    private Task? _gathering;
    private int _handshakeStarted;
    private TimeSpan? _handshakeDuration;
    private SdpFingerprint? _remoteFingerprint;

    /// <summary>The agent, once an offer was created or a remote offer applied.</summary>
    public IceAgent? Ice => _ice;

    /// <summary>The association, once a negotiation completed.</summary>
    public DtlsSrtpTransport? Dtls => _dtls;

    public TimeSpan? HandshakeDuration => _handshakeDuration;

    /// <summary>True once the agent's sockets, loops and timer and the handshake have ended (after <see cref="DisposeAsync"/>).</summary>
    public bool AllBackgroundWorkCompleted => (_ice?.AllBackgroundWorkCompleted ?? true) && (_handshake?.IsCompleted ?? true);

    /// <summary>The agent, created in <paramref name="role"/> on the first call (signaling semaphore held).</summary>
    public IceAgent EnsureIce(IceRole role)
    {
        if (_ice is not null)
        {
            return _ice;
        }

        var ice = new IceAgent(CreateIceOptions(role), options.SocketFactory, time, loggers.CreateLogger<IceAgent>());
        ice.LocalCandidateGathered += onLocalCandidate;
        ice.StateChanged += OnIceState;
        ice.DtlsPacketReceived = OnDtlsDatagram;
        ice.RtpPacketReceived = onRtp;
        _ice = ice;
        return ice;
    }

    public void StartGathering()
    {
        if (_gathering is null && _ice is { } ice)
        {
            _gathering = ice.GatherAsync(closing);
        }
    }

    /// <summary>Creates the DTLS association once the remote description tells the role and fingerprints.</summary>
    public void EnsureDtls(NegotiatedSession session)
    {
        var fingerprints = new List<DtlsFingerprint>();
        if (DtlsFingerprint.TryParse($"{session.RemoteFingerprint.Algorithm} {session.RemoteFingerprint.Value}", out var fingerprint))
        {
            fingerprints.Add(fingerprint);
        }

        if (_dtls is not null)
        {
            if (_remoteFingerprint is not null && !_remoteFingerprint.Matches(session.RemoteFingerprint))
            {
                PeerConnectionLog.FingerprintChanged(_logger, id);
            }

            return;
        }

        _remoteFingerprint = session.RemoteFingerprint;
        var dtls = new DtlsSrtpTransport(
            new DtlsSrtpOptions
            {
                Role = session.LocalDtlsRole == SdpDtlsRole.Client ? DtlsRole.Client : DtlsRole.Server,
                Certificate = certificate,
                RemoteFingerprints = fingerprints,
                SrtpProfiles = options.SrtpProfiles,
                HandshakeTimeout = options.DtlsHandshakeTimeout,
                MaxDatagramSize = options.Mtu,
            },
            SendDtls,
            loggers.CreateLogger<DtlsSrtpTransport>());
        dtls.Closed += OnDtlsClosed;

        lock (_earlyDtls)
        {
            _dtls = dtls;
            foreach (var early in _earlyDtls)
            {
                dtls.OnDatagram(early);
            }

            _earlyDtls.Clear();
        }

        if (states.OnDtlsCreated())
        {
            StartHandshake();
        }
    }

    /// <summary>DTLS first (close_notify still needs the ICE path), then the handshake, the agent and gathering.</summary>
    public async ValueTask DisposeAsync()
    {
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
    }

    private IceOptions CreateIceOptions(IceRole role)
    {
        var template = options.Ice;
        var ice = new IceOptions
        {
            Role = role,
            AddressFilter = options.HostAddressFilter ?? template.AddressFilter,
            IncludeLoopback = template.IncludeLoopback,
            IncludeIPv6 = template.IncludeIPv6,
            IncludeIPv6LinkLocal = template.IncludeIPv6LinkLocal,
            AllowLoopbackRemoteCandidates = template.AllowLoopbackRemoteCandidates,
            AllowPrivateRemoteCandidates = template.AllowPrivateRemoteCandidates,
            MaxRemoteCandidates = template.MaxRemoteCandidates,
            MaxCandidatePairs = template.MaxCandidatePairs,
            UnauthenticatedAnswersPerSecond = template.UnauthenticatedAnswersPerSecond,
            CheckInterval = template.CheckInterval,
            CheckRto = template.CheckRto,
            MaxCheckRto = template.MaxCheckRto,
            MaxCheckTransmissions = template.MaxCheckTransmissions,
            NominationWait = template.NominationWait,
            ConsentInterval = template.ConsentInterval,
            DisconnectedTimeout = template.DisconnectedTimeout,
            FailedTimeout = template.FailedTimeout,
            CheckingTimeout = template.CheckingTimeout,
            StunServerRto = template.StunServerRto,
            StunServerTransmissions = template.StunServerTransmissions,
            Software = template.Software,
            TransportPolicy = options.IceTransportPolicy == IceTransportPolicy.Relay ? IceTransportPolicy.Relay : template.TransportPolicy,
        };
        foreach (var server in template.StunServers)
        {
            ice.StunServers.Add(server);
        }

        foreach (var server in template.TurnServers)
        {
            ice.TurnServers.Add(server);
        }

        IceServerSettings.Apply(ice, options.IceServers, options.TurnTrustedRootCertificate, _logger);
        return ice;
    }

    private void OnIceState(IceConnectionState state)
    {
        if (states.OnIceState(state))
        {
            StartHandshake();
        }
    }

    private void SendDtls(ReadOnlySpan<byte> datagram) => _ice?.Send(datagram);

    private bool SendDatagram(ReadOnlySpan<byte> datagram) => _ice is { } ice && ice.Send(datagram);

    private void OnDtlsDatagram(ReadOnlySpan<byte> datagram)
    {
        var dtls = _dtls;
        if (dtls is not null)
        {
            dtls.OnDatagram(datagram);
            return;
        }

        // A ClientHello can arrive before the answer is applied here: keep a few until the association exists.
        lock (_earlyDtls)
        {
            if (_dtls is { } created)
            {
                created.OnDatagram(datagram);
            }
            else if (_earlyDtls.Count < MaxEarlyDtlsDatagrams)
            {
                _earlyDtls.Add(datagram.ToArray());
            }
        }
    }

    private void StartHandshake()
    {
        if (Interlocked.Exchange(ref _handshakeStarted, 1) != 0 || _dtls is not { } dtls)
        {
            return;
        }

        _handshake = RunHandshakeAsync(dtls);
    }

    private async Task RunHandshakeAsync(DtlsSrtpTransport dtls)
    {
        try
        {
            var result = await dtls.HandshakeAsync(_ice?.RoundTripTime, closing).ConfigureAwait(false);
            _handshakeDuration = result.HandshakeDuration;
            if (!onKeys(new SrtpSession(result, SendDatagram)))
            {
                return; // closed while the keys were being installed
            }

            PeerConnectionLog.DtlsConnected(_logger, id, result.Role.ToString(), result.Profile.Name, result.CipherSuite);
            states.SetDtlsPhase(DtlsPhase.Connected);
        }
        catch (DtlsHandshakeException e) when (e is DtlsFingerprintMismatchException || e.Failure == DtlsFailure.FingerprintMismatch)
        {
            PeerConnectionLog.FingerprintMismatch(_logger, id);
            states.SetDtlsPhase(DtlsPhase.Failed);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Any handshake failure ends as connection state Failed, never as a crash.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!closing.IsCancellationRequested)
            {
                PeerConnectionLog.DtlsFailed(_logger, id, e is DtlsHandshakeException h ? h.Failure.ToString() : e.GetType().Name, e);
                states.SetDtlsPhase(DtlsPhase.Failed);
            }
        }
    }

    private void OnDtlsClosed(object? sender, DtlsClosedEventArgs e)
    {
        if (closing.IsCancellationRequested)
        {
            return;
        }

        PeerConnectionLog.DtlsClosed(_logger, id, e.ByPeer, e.Reason);
        // close_notify from the peer is an orderly end (browsers send it right after hangUp, often before the hangUp
        // stanza arrives); a fatal alert or a read failure is a failure.
        states.SetDtlsPhase(e.ByPeer && e.AlertDescription == CloseNotify ? DtlsPhase.Closed : DtlsPhase.Failed);
    }
}
