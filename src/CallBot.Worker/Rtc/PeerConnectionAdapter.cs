using CallBot.Abstractions;
using CallBot.Recording;
using CallBot.Rtc;
using CallBot.Rtc.Ice;
using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Calls;
using CallBot.Worker.Telemetry;

namespace CallBot.Worker.Rtc;

/// <summary>
/// The call session's <see cref="ICallPeerConnection"/> over our <see cref="RtcPeerConnection"/>: one per remote user of a
/// call. Audio (and, for video calls, video) transceivers send and receive; once negotiated, <see cref="CallMediaBinding"/>
/// starts our media and the recorder. ICE states go to the session as <see cref="PeerIceState"/> (a DTLS failure as Failed).
/// </summary>
public sealed class PeerConnectionAdapter : ICallPeerConnection
{
    private readonly RtcPeerConnection _pc;
    private readonly CallMediaBinding _binding;
    private readonly Func<CodecId?, CodecId?, ParticipantRecorder?> _recorderFactory;
    private readonly CallBotTelemetry _telemetry;
    private readonly TimeProvider _time;
    private long _remoteAppliedAt;
    private long _iceConnectedAt;
    private int _disposed;

    public PeerConnectionAdapter(
        CallPeerContext context,
        RtcPeerConnection pc,
        MediaPlan media,
        CallBotTelemetry telemetry,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(pc);
        ArgumentNullException.ThrowIfNull(media);
        Context = context;
        _pc = pc;
        _telemetry = telemetry;
        _time = time;
        _recorderFactory = media.RecorderFactory;
        var ports = new List<IMediaTrackPort> { new RtcTrackPort(pc.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv)) };
        if (context.CallType == CallType.Video)
        {
            ports.Add(new RtcTrackPort(pc.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv)));
        }

        _binding = new CallMediaBinding(ports, media.Clock, media.Tracks, time, time.GetTimestamp());
        if (context.MaxBandwidthKbps > 0)
        {
            pc.SetMaxBandwidth(context.MaxBandwidthKbps);
        }

        pc.LocalCandidate += OnLocalCandidate;
        pc.IceConnectionStateChanged += OnIceStateChanged;
        pc.ConnectionStateChanged += OnConnectionStateChanged;
    }

    public CallPeerContext Context { get; }

    public RtcPeerConnection PeerConnection => _pc;

    public CallMediaBinding Media => _binding;

    /// <summary>Final counters, set when the adapter is disposed.</summary>
    public CallMediaStats? FinalStats { get; private set; }

    public event EventHandler<IceCandidateInit>? LocalCandidate;

    public event EventHandler<PeerIceState>? IceStateChanged;

    // ICE restarts are counted per attempt, with their outcome, by the worker's IceRestartPipeline.
    public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken cancellationToken) =>
        _pc.CreateOfferAsync(iceRestart, cancellationToken);

    public async Task<string> CreateAnswerAsync(string remoteOfferSdp, CancellationToken cancellationToken)
    {
        await _pc.SetRemoteOfferAsync(remoteOfferSdp, cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _remoteAppliedAt, _time.GetTimestamp(), 0);
        var answer = await _pc.CreateAnswerAsync(cancellationToken).ConfigureAwait(false);
        StartMedia();
        return answer;
    }

    public async Task ApplyAnswerAsync(string remoteAnswerSdp, CancellationToken cancellationToken)
    {
        await _pc.SetRemoteAnswerAsync(remoteAnswerSdp, cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _remoteAppliedAt, _time.GetTimestamp(), 0);
        StartMedia();
    }

    private void StartMedia()
    {
        _binding.Start(_recorderFactory);
        if (_pc.ConnectionState == PeerConnectionState.Connected)
        {
            _binding.StartSending();
        }
    }

    public Task AddRemoteCandidatesAsync(IReadOnlyList<IceCandidateInit> candidates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (var candidate in candidates)
        {
            _pc.AddRemoteCandidate(candidate.Candidate, candidate.SdpMid, candidate.SdpMLineIndex);
        }

        return Task.CompletedTask;
    }

    public void SetMaxBandwidth(int kbps)
    {
        _pc.SetMaxBandwidth(kbps);
        _binding.ApplyTargetBitrates();
    }

    /// <summary>Live counters (final ones once disposed), with packet loss from the RTP receivers.</summary>
    public CallMediaStats GetStats()
    {
        if (FinalStats is { } final)
        {
            return final;
        }

        var stats = _binding.GetStats();
        var rtp = _pc.GetStats();
        long lost = 0;
        foreach (var inbound in rtp.Inbound)
        {
            lost += Math.Max(0, inbound.PacketsLost);
        }

        long videoPackets = 0, videoRetransmitted = 0, videoFec = 0, nackRefusals = 0;
        var targetKbps = 0;
        foreach (var outbound in rtp.Outbound)
        {
            if (outbound.Kind == MediaKind.Video)
            {
                videoPackets += outbound.PacketsSent;
                videoRetransmitted += outbound.RetransmittedPackets;
                videoFec += outbound.FecPacketsSent;
                nackRefusals += outbound.NackResendsSuppressed + outbound.NackResendsOverBudget;
                targetKbps = Math.Max(targetKbps, outbound.TargetBitrateKbps);
            }
        }

        return stats with
        {
            PacketsLost = lost,
            VideoPacketsSent = videoPackets,
            VideoRetransmittedPackets = videoRetransmitted,
            VideoFecPacketsSent = videoFec,
            VideoNackRefusals = nackRefusals,
            VideoTargetBitrateKbps = targetKbps,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _pc.LocalCandidate -= OnLocalCandidate;
        _pc.IceConnectionStateChanged -= OnIceStateChanged;
        _pc.ConnectionStateChanged -= OnConnectionStateChanged;
        await _binding.DisposeAsync().ConfigureAwait(false);
        var stats = GetStats();
        RecordRtpTotals();
        RecordRefusals();
        FinalStats = stats;
        await _pc.DisposeAsync().ConfigureAwait(false);
    }

    private void RecordRtpTotals()
    {
        if (!_telemetry.RtpPackets.Enabled && !_telemetry.RtpLost.Enabled)
        {
            return;
        }

        var stats = _pc.GetStats();
        foreach (var inbound in stats.Inbound)
        {
            var kind = new KeyValuePair<string, object?>("kind", inbound.Kind == MediaKind.Audio ? "audio" : "video");
            var direction = new KeyValuePair<string, object?>("direction", "in");
            _telemetry.RtpPackets.Add(inbound.PacketsReceived, kind, direction);
            _telemetry.RtpBytes.Add(inbound.BytesReceived, kind, direction);
            _telemetry.RtpLost.Add(Math.Max(0, inbound.PacketsLost), kind);
            _telemetry.RtpJitter.Record(inbound.Jitter * 1000.0 / (inbound.Kind == MediaKind.Audio ? 48_000 : 90_000), kind);
        }

        foreach (var outbound in stats.Outbound)
        {
            var kind = new KeyValuePair<string, object?>("kind", outbound.Kind == MediaKind.Audio ? "audio" : "video");
            var direction = new KeyValuePair<string, object?>("direction", "out");
            _telemetry.RtpPackets.Add(outbound.PacketsSent, kind, direction);
            _telemetry.RtpBytes.Add(outbound.BytesSent, kind, direction);
        }
    }

    /// <summary>
    /// What the media plane refused from the peer or from third hosts (issue 16: candidate policy, unauthenticated STUN,
    /// off-path DTLS/SRTP, NACK resend bounds), added to <c>callbot.input.dropped</c> when the connection closes.
    /// </summary>
    private void RecordRefusals()
    {
        if (!_telemetry.InputDropped.Enabled)
        {
            return;
        }

        var stats = _pc.GetStats();
        var transport = stats.Transport;
        Add("ice", "candidate_refused", transport.RemoteCandidatesRefused);
        Add("ice", "unauthenticated_not_answered", transport.UnauthenticatedRequestsNotAnswered);
        Add("ice", "stun_queue_full", transport.StunQueueFull);
        Add("transport", "unverified_source", transport.UnverifiedSourceDatagrams);
        foreach (var outbound in stats.Outbound)
        {
            Add("rtp", "nack_resend_suppressed", outbound.NackResendsSuppressed);
            Add("rtp", "nack_over_budget", outbound.NackResendsOverBudget);
        }

        void Add(string layer, string reason, long count)
        {
            if (count > 0)
            {
                _telemetry.InputDropped.Add(count, new KeyValuePair<string, object?>("layer", layer), new KeyValuePair<string, object?>("reason", reason));
            }
        }
    }

    private void OnLocalCandidate(object? sender, LocalIceCandidate candidate)
    {
        if (candidate.Candidate is { } text)
        {
            LocalCandidate?.Invoke(this, new IceCandidateInit(text, candidate.SdpMid, candidate.SdpMLineIndex));
        }
    }

    private void OnIceStateChanged(object? sender, IceConnectionState state)
    {
        if (state is IceConnectionState.Connected && Interlocked.CompareExchange(ref _iceConnectedAt, _time.GetTimestamp(), 0) == 0)
        {
            var applied = Interlocked.Read(ref _remoteAppliedAt);
            if (applied != 0)
            {
                _telemetry.IceConnectTime.Record(_time.GetElapsedTime(applied).TotalMilliseconds);
            }
        }

        IceStateChanged?.Invoke(this, Map(state));
    }

    private void OnConnectionStateChanged(object? sender, PeerConnectionState state)
    {
        if (state == PeerConnectionState.Connected)
        {
            _binding.StartSending();
            var iceAt = Interlocked.Read(ref _iceConnectedAt);
            if (iceAt != 0)
            {
                _telemetry.DtlsHandshakeTime.Record(_time.GetElapsedTime(iceAt).TotalMilliseconds);
            }
        }
        else if (state == PeerConnectionState.Failed && _pc.IceConnectionState is IceConnectionState.Connected or IceConnectionState.Completed)
        {
            // ICE works but DTLS failed (e.g. fingerprint mismatch): the call cannot carry media. (A peer's orderly
            // close_notify is Disconnected, not Failed, in RtcPeerConnection.)
            IceStateChanged?.Invoke(this, PeerIceState.Failed);
        }
    }

    public static PeerIceState Map(IceConnectionState state) => state switch
    {
        IceConnectionState.New => PeerIceState.New,
        IceConnectionState.Checking => PeerIceState.Checking,
        IceConnectionState.Connected => PeerIceState.Connected,
        IceConnectionState.Completed => PeerIceState.Completed,
        IceConnectionState.Disconnected => PeerIceState.Disconnected,
        IceConnectionState.Failed => PeerIceState.Failed,
        _ => PeerIceState.Closed,
    };
}
