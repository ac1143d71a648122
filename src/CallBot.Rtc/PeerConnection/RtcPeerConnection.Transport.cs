using Microsoft.Extensions.Logging;
using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Media;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>ICE agent and DTLS-SRTP association of the connection.</summary>
public sealed partial class RtcPeerConnection
{
    private const int MaxEarlyDtlsDatagrams = 16;

    private readonly DatagramSender _sendDatagram;
    private readonly List<byte[]> _earlyDtls = [];
    private IceAgent? _ice;
    private DtlsSrtpTransport? _dtls;
    private volatile SrtpSession? _srtp;
    private Task? _handshake;
    private Task? _gathering;
    private int _handshakeStarted;
    private TimeSpan? _dtlsHandshakeDuration;
    private SdpFingerprint? _remoteFingerprint;

    private IceAgent EnsureIce(IceRole role)
    {
        if (_ice is not null)
        {
            return _ice;
        }

        var ice = new IceAgent(CreateIceOptions(role), _options.SocketFactory, _time, _loggers.CreateLogger<IceAgent>());
        ice.LocalCandidateGathered += OnLocalCandidate;
        ice.StateChanged += OnIceState;
        ice.DtlsPacketReceived = OnDtlsDatagram;
        ice.RtpPacketReceived = OnRtpDatagram;
        _ice = ice;
        return ice;
    }

    private IceOptions CreateIceOptions(IceRole role)
    {
        var template = _options.Ice;
        var options = new IceOptions
        {
            Role = role,
            AddressFilter = _options.HostAddressFilter ?? template.AddressFilter,
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
            TransportPolicy = _options.IceTransportPolicy == IceTransportPolicy.Relay ? IceTransportPolicy.Relay : template.TransportPolicy,
        };
        foreach (var server in template.StunServers)
        {
            options.StunServers.Add(server);
        }

        foreach (var server in template.TurnServers)
        {
            options.TurnServers.Add(server);
        }

        IceServerSettings.Apply(options, _options.IceServers, _options.TurnTrustedRootCertificate, _logger);
        return options;
    }

    private void StartGathering()
    {
        if (_gathering is null && _ice is { } ice)
        {
            _gathering = ice.GatherAsync(_closing.Token);
        }
    }

    private void OnLocalCandidate(IceCandidate? candidate)
    {
        var transceivers = _transceivers;
        var mid = transceivers.Length > 0 && transceivers[0].Mid is { } first ? first : "0";
        var local = new LocalIceCandidate(candidate?.ToString(), mid, 0);
        Post(() => LocalCandidate?.Invoke(this, local));
    }

    /// <summary>Creates the DTLS association once the remote description tells the role and fingerprints.</summary>
    private void EnsureDtls(NegotiatedSession session)
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
                PeerConnectionLog.FingerprintChanged(_logger, _id);
            }

            return;
        }

        _remoteFingerprint = session.RemoteFingerprint;
        var dtls = new DtlsSrtpTransport(
            new DtlsSrtpOptions
            {
                Role = session.LocalDtlsRole == SdpDtlsRole.Client ? DtlsRole.Client : DtlsRole.Server,
                Certificate = _certificate,
                RemoteFingerprints = fingerprints,
                SrtpProfiles = _options.SrtpProfiles,
                HandshakeTimeout = _options.DtlsHandshakeTimeout,
                MaxDatagramSize = _options.Mtu,
            },
            SendDtls,
            _loggers.CreateLogger<DtlsSrtpTransport>());
        dtls.Closed += OnDtlsClosed;

        bool start;
        lock (_earlyDtls)
        {
            _dtls = dtls;
            foreach (var early in _earlyDtls)
            {
                dtls.OnDatagram(early);
            }

            _earlyDtls.Clear();
        }

        lock (_stateLock)
        {
            start = _iceState is IceConnectionState.Connected or IceConnectionState.Completed && _dtlsPhase == DtlsPhase.New;
            if (start)
            {
                _dtlsPhase = DtlsPhase.Connecting;
            }
        }

        if (start)
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
            var result = await dtls.HandshakeAsync(_ice?.RoundTripTime, _closing.Token).ConfigureAwait(false);
            _dtlsHandshakeDuration = result.HandshakeDuration;
            var session = new SrtpSession(result, _sendDatagram);
            lock (_receiveLock)
            {
                if (Volatile.Read(ref _closed) != 0)
                {
                    session.Dispose();
                    return;
                }

                _srtp = session;
            }

            foreach (var transceiver in _transceivers)
            {
                transceiver.SendStream.Attach(session);
            }

            PeerConnectionLog.DtlsConnected(_logger, _id, result.Role.ToString(), result.Profile.Name, result.CipherSuite);
            try
            {
                _timer.Change(TickInterval, TickInterval);
            }
            catch (ObjectDisposedException)
            {
                return; // closed while the keys were being installed
            }

            SetDtlsPhase(DtlsPhase.Connected);
        }
        catch (DtlsHandshakeException e) when (e is DtlsFingerprintMismatchException || e.Failure == DtlsFailure.FingerprintMismatch)
        {
            PeerConnectionLog.FingerprintMismatch(_logger, _id);
            SetDtlsPhase(DtlsPhase.Failed);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Any handshake failure ends as connection state Failed, never as a crash.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                PeerConnectionLog.DtlsFailed(_logger, _id, e is DtlsHandshakeException h ? h.Failure.ToString() : e.GetType().Name, e);
                SetDtlsPhase(DtlsPhase.Failed);
            }
        }
    }

    /// <summary>TLS AlertDescription close_notify (RFC 5246 §7.2.1).</summary>
    private const short CloseNotify = 0;

    private void OnDtlsClosed(object? sender, DtlsClosedEventArgs e)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return;
        }

        PeerConnectionLog.DtlsClosed(_logger, _id, e.ByPeer, e.Reason);
        // close_notify from the peer is an orderly end (browsers send it right after hangUp, often before the hangUp
        // stanza arrives); a fatal alert or a read failure is a failure.
        SetDtlsPhase(e.ByPeer && e.AlertDescription == CloseNotify ? DtlsPhase.Closed : DtlsPhase.Failed);
    }
}
