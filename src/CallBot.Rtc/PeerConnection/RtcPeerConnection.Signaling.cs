using System.Globalization;
using CallBot.Abstractions;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>JSEP offer/answer: descriptions in and out, transceiver ↔ m-line mapping, applying the negotiated session.</summary>
public sealed partial class RtcPeerConnection
{
    private const int MidExtensionId = 4;
    private const int AbsSendTimeExtensionId = 2;
    private const int TransportWideCcExtensionId = 3;

    private static readonly string[] SupportedExtensions = [SdpHeaderExtensionUris.SdesMid, SdpHeaderExtensionUris.AbsSendTime];
    private static readonly string[] SupportedExtensionsWithTransportCc = [.. SupportedExtensions, SdpHeaderExtensionUris.TransportWideCc];

    private readonly ulong _sessionId;
    private ulong _sessionVersion;
    private SessionDescription? _pendingLocalOffer;
    private SessionDescription? _pendingRemoteOffer;
    private SessionDescription? _currentLocal;
    private SessionDescription? _currentRemote;
    private IceCredentials? _remoteCredentials;
    private bool _localRestartPending;

    // Trickled candidates that arrived before the ICE agent existed (bounded by Ice.MaxRemoteCandidates).
    private readonly List<string?> _earlyCandidates = [];

    /// <summary>The last local description (offer or answer) as SDP text.</summary>
    public string? LocalDescription => _currentLocal is { } local ? SdpWriter.Write(local) : null;

    /// <summary>The last remote description as SDP text.</summary>
    public string? RemoteDescription => _currentRemote is { } remote ? SdpWriter.Write(remote) : null;

    /// <summary>Creates an offer for the current transceivers and sets it as the local description.</summary>
    /// <param name="iceRestart">New ICE credentials (RFC 8445 §9); media continues on the old pair until the new one is selected.</param>
    public async Task<string> CreateOfferAsync(bool iceRestart = false, CancellationToken ct = default)
    {
        ThrowIfClosed();
        await _signaling.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (_pendingRemoteOffer is not null)
            {
                throw new PeerConnectionException("A remote offer is pending: create an answer first.");
            }

            var ice = EnsureIce(IceRole.Controlling);
            if (iceRestart && _currentRemote is not null && !_localRestartPending)
            {
                ice.Restart();
                _localRestartPending = true;
                PeerConnectionLog.IceRestart(_logger, _id, "local");
            }

            var transceivers = _transceivers;
            AssignMids(transceivers);
            var local = new List<SdpLocalTransceiver>(transceivers.Length);
            foreach (var transceiver in transceivers)
            {
                var direction = transceiver.Direction.ToSdp();
                local.Add(new SdpLocalTransceiver(MediaTypeOf(transceiver.Kind), direction, CodecsFor(transceiver.Kind))
                {
                    Mid = transceiver.Mid,
                    HeaderExtensions = TransportCcEnabled
                        ? [new SdpExtMap(MidExtensionId, null, SdpHeaderExtensionUris.SdesMid, null),
                            new SdpExtMap(AbsSendTimeExtensionId, null, SdpHeaderExtensionUris.AbsSendTime, null),
                            new SdpExtMap(TransportWideCcExtensionId, null, SdpHeaderExtensionUris.TransportWideCc, null)]
                        : [new SdpExtMap(MidExtensionId, null, SdpHeaderExtensionUris.SdesMid, null),
                            new SdpExtMap(AbsSendTimeExtensionId, null, SdpHeaderExtensionUris.AbsSendTime, null)],
                    Track = direction.CanSend() ? TrackOf(transceiver) : null,
                });
            }

            var offer = SdpOfferBuilder.Build(new SdpOfferOptions(TransportParameters(ice), local)
            {
                SessionId = _sessionId,
                SessionVersion = ++_sessionVersion,
            });
            _pendingLocalOffer = offer;
            _currentLocal = offer;
            StartGathering();
            return SdpWriter.Write(offer);
        }
        finally
        {
            _signaling.Release();
        }
    }

    /// <summary>Applies the answer to our pending offer: ICE checks start, DTLS follows when ICE connects.</summary>
    public async Task SetRemoteAnswerAsync(string sdp, CancellationToken ct = default)
    {
        ThrowIfClosed();
        var answer = Parse(sdp);
        await _signaling.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            var offer = _pendingLocalOffer ?? throw new PeerConnectionException("No local offer is pending.");
            if (!SdpNegotiator.TryNegotiate(offer, answer, localIsOffer: true, out var session, out var error))
            {
                throw new PeerConnectionException($"The answer does not fit our offer: {error}.");
            }

            RequireBundleAndMux(session.Media, session.BundleMids);
            _pendingLocalOffer = null;
            _currentRemote = answer;
            _localRestartPending = false;
            ApplyNegotiation(session);
        }
        finally
        {
            _signaling.Release();
        }
    }

    /// <summary>
    /// Applies a remote offer. Each offered audio/video m-line is matched to a transceiver with its mid, else to an unassigned
    /// one of the same kind (added with <see cref="AddTransceiver"/>: we send on it), else a new recvonly transceiver is created.
    /// A new ufrag/pwd is an ICE restart: we answer with new credentials and DTLS/SRTP keep running.
    /// </summary>
    public async Task SetRemoteOfferAsync(string sdp, CancellationToken ct = default)
    {
        ThrowIfClosed();
        var offer = Parse(sdp);
        await _signaling.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (_pendingLocalOffer is not null)
            {
                throw new PeerConnectionException("A local offer is pending (glare): rollback is not supported.");
            }

            RequireBundleAndMux(offer);
            var ice = EnsureIce(IceRole.Controlled);
            var first = FirstAccepted(offer);
            var ufrag = first?.IceUfrag ?? offer.IceUfrag;
            var pwd = first?.IcePwd ?? offer.IcePwd;
            if (_remoteCredentials is { } previous && ufrag is not null && (previous.Ufrag != ufrag || previous.Password != pwd))
            {
                ice.Restart();
                PeerConnectionLog.IceRestart(_logger, _id, "remote");
            }

            lock (_transceiverLock)
            {
                foreach (var media in offer.Media)
                {
                    MatchTransceiver(media);
                }
            }

            _pendingRemoteOffer = offer;
            _currentRemote = offer;
        }
        finally
        {
            _signaling.Release();
        }
    }

    /// <summary>Answers the pending remote offer and sets it as the local description.</summary>
    public async Task<string> CreateAnswerAsync(CancellationToken ct = default)
    {
        ThrowIfClosed();
        await _signaling.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            var offer = _pendingRemoteOffer ?? throw new PeerConnectionException("No remote offer is pending.");
            var ice = _ice ?? throw new PeerConnectionException("No remote offer is pending.");
            var answer = SdpAnswerBuilder.Build(offer, new SdpAnswerOptions(TransportParameters(ice))
            {
                Audio = CapabilitiesFor(MediaKind.Audio),
                Video = CapabilitiesFor(MediaKind.Video),
                SessionId = _sessionId,
                SessionVersion = ++_sessionVersion,
                ExtMapAllowMixed = offer.HasAttribute(SdpAttributeNames.ExtMapAllowMixed),
            });
            KeepDtlsRole(answer);
            if (!SdpNegotiator.TryNegotiate(answer, offer, localIsOffer: false, out var session, out var error))
            {
                throw new PeerConnectionException($"Cannot answer this offer: {error}.");
            }

            _pendingRemoteOffer = null;
            _currentLocal = answer;
            ApplyNegotiation(session);
            StartGathering();
            return SdpWriter.Write(answer);
        }
        finally
        {
            _signaling.Release();
        }
    }

    /// <summary>
    /// Adds a trickled remote candidate (<c>candidate:...</c>, with or without <c>a=</c>); an empty string or null means
    /// end-of-candidates. Names (<c>*.local</c>) are kept aside: the peer's checks still connect through peer-reflexive.
    /// Bad text is logged and ignored, never thrown.
    /// </summary>
    public void AddRemoteCandidate(string? candidate, string? sdpMid, int? sdpMLineIndex)
    {
        ThrowIfClosed();
        _ = sdpMid;
        _ = sdpMLineIndex;
        var ice = _ice;
        if (ice is null)
        {
            lock (_earlyCandidates)
            {
                if (_ice is null)
                {
                    // Trickle before the offer: bounded like the agent's own list (the rest would be refused there anyway).
                    if (_earlyCandidates.Count < _options.Ice.MaxRemoteCandidates)
                    {
                        _earlyCandidates.Add(candidate);
                    }

                    return;
                }

                ice = _ice;
            }
        }

        ApplyRemoteCandidate(ice, candidate);
    }

    private void ApplyRemoteCandidate(IceAgent ice, string? candidate)
    {
        if (string.IsNullOrWhiteSpace(candidate))
        {
            ice.AddRemoteEndOfCandidates();
            return;
        }

        if (IceCandidate.TryParse(candidate, out var parsed) && parsed is not null)
        {
            ice.AddRemoteCandidate(parsed);
        }
        else
        {
            PeerConnectionLog.CandidateIgnored(_logger, _id, candidate.Length > 200 ? candidate[..200] : candidate);
        }
    }

    private void ApplyNegotiation(NegotiatedSession session)
    {
        var ice = _ice!;
        var credentials = new IceCredentials(session.RemoteIceUfrag, session.RemoteIcePwd);
        if (_remoteCredentials != credentials)
        {
            _remoteCredentials = credentials;
            ice.SetRemoteCredentials(credentials.Ufrag, credentials.Password);
        }

        foreach (var candidate in session.RemoteCandidates)
        {
            ApplyRemoteCandidate(ice, candidate);
        }

        if (session.RemoteEndOfCandidates)
        {
            ice.AddRemoteEndOfCandidates();
        }

        lock (_earlyCandidates)
        {
            foreach (var candidate in _earlyCandidates)
            {
                ApplyRemoteCandidate(ice, candidate);
            }

            _earlyCandidates.Clear();
        }

        foreach (var transceiver in _transceivers)
        {
            var media = transceiver.Mid is { } mid ? session.FindMedia(mid) : null;
            ConfigureTransceiver(transceiver, media);
        }

        UpdateDemux();
        EnsureDtls(session);
        ice.Start();
    }

    /// <summary>
    /// A re-offer (ICE restart, renegotiation) keeps the DTLS association, so the answer states the role we already play
    /// rather than a fresh choice: a changed role would ask the peer for a new handshake.
    /// </summary>
    private void KeepDtlsRole(SessionDescription answer)
    {
        if (_dtls is not { } dtls)
        {
            return;
        }

        var setup = (dtls.Role == Dtls.DtlsRole.Client ? SdpSetup.Active : SdpSetup.Passive).ToSdp();
        foreach (var media in answer.Media)
        {
            for (var i = 0; i < media.Lines.Count; i++)
            {
                if (media.Lines[i].IsAttributeNamed(SdpAttributeNames.Setup))
                {
                    media.Lines[i] = SdpLine.Attribute(SdpAttributeNames.Setup, setup);
                }
            }
        }
    }

    private void ConfigureTransceiver(RtpTransceiver transceiver, NegotiatedMedia? media)
    {
        // The send codec is the first one in the codec table: a payload format that protects media (RED, ULPFEC) is
        // never it, wherever the peer listed it.
        var first = media is null || media.Rejected ? null : FirstTableCodec(media);
        if (media is null || first is null || !first.TryGetCodecId(out var codec))
        {
            transceiver.SetNegotiated(media, null, media is null ? null : TransceiverDirection.Inactive);
            transceiver.SendStream.SetEnabled(false);
            return;
        }

        var send = transceiver.SendStream;
        var useRtx = first.RtxPayloadType is not null && send.RtxSsrc is not null && first.HasFeedback(SdpRtcpFeedback.Nack);
        var options = new RtpStreamSenderOptions
        {
            Ssrc = send.Ssrc,
            PayloadType = first.PayloadType,
            MaxPacketSize = _options.Mtu,
            RtxSsrc = useRtx ? send.RtxSsrc : null,
            RtxPayloadType = useRtx ? first.RtxPayloadType : null,
            MidId = (byte)(media.MidExtensionId ?? 0),
            Mid = media.Mid,
            AbsSendTimeId = (byte)(media.AbsSendTimeId ?? 0),
            TransportSequenceId = TransportCcEnabled ? (byte)(media.TransportWideCcId ?? 0) : (byte)0,
            HistorySize = codec.Kind() == MediaKind.Video ? RtpStreamSenderOptions.DefaultHistorySize : 0,
            HistoryRetention = _options.NackHistoryRetention,
        };
        var direction = TransceiverDirectionExtensions.FromSdp(media.Direction);
        send.Configure(codec, options, direction.CanSend());
        send.Attach(_srtp);
        transceiver.SetNegotiated(media, codec, direction);
        transceiver.RemoteBandwidthKbps = media.MaxSendBitrateBps is { } bps ? (int)Math.Min(int.MaxValue, bps / 1000) : 0;
        transceiver.UpdateTargetBitrate();
    }

    private static NegotiatedCodec? FirstTableCodec(NegotiatedMedia media)
    {
        foreach (var codec in media.Codecs)
        {
            if (codec.TryGetCodecId(out _))
            {
                return codec;
            }
        }

        return null;
    }

    private void MatchTransceiver(MediaDescription media)
    {
        if (media.Mid is not { } mid || !TryKind(media.MediaType, out var kind))
        {
            return;
        }

        foreach (var transceiver in _transceivers)
        {
            if (transceiver.Mid == mid)
            {
                return;
            }
        }

        if (media.IsRejected)
        {
            return;
        }

        foreach (var transceiver in _transceivers)
        {
            if (transceiver.Mid is null && transceiver.Kind == kind)
            {
                transceiver.AssignMid(mid);
                return;
            }
        }

        AddTransceiverLocked(kind, TransceiverDirection.RecvOnly).AssignMid(mid);
    }

    private static void AssignMids(RtpTransceiver[] transceivers)
    {
        var next = 0;
        foreach (var transceiver in transceivers)
        {
            if (transceiver.Mid is { } mid && int.TryParse(mid, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                next = Math.Max(next, n + 1);
            }
        }

        foreach (var transceiver in transceivers)
        {
            if (transceiver.Mid is null)
            {
                transceiver.AssignMid((next++).ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    private SdpMediaCapabilities? CapabilitiesFor(MediaKind kind)
    {
        RtpTransceiver? chosen = null;
        foreach (var transceiver in _transceivers)
        {
            if (transceiver.Kind == kind && transceiver.Mid is not null)
            {
                chosen = transceiver;
                break;
            }
        }

        var direction = chosen?.Direction.ToSdp() ?? SdpDirection.RecvOnly;
        return new SdpMediaCapabilities(CodecsFor(kind))
        {
            HeaderExtensionUris = TransportCcEnabled ? SupportedExtensionsWithTransportCc : SupportedExtensions,
            Direction = direction,
            Track = chosen is not null && direction.CanSend() ? TrackOf(chosen) : null,
        };
    }

    /// <summary>
    /// What we offer/answer for a kind, from the codec table: Opus for audio, the configured video codecs in order. The
    /// rtcp-fb lines are those the enabled stages use; RTX only when NACK is enabled (nothing would ask for it).
    /// </summary>
    private List<SdpCodec> CodecsFor(MediaKind kind)
    {
        IReadOnlyList<CodecId> ids = kind == MediaKind.Audio ? [CodecId.Opus] : _options.VideoCodecs;
        var feedback = _interceptors.RtcpFeedback;
        var codecs = new List<SdpCodec>();
        foreach (var id in ids)
        {
            var codec = CodecTable.Get(id);
            if (codec.Kind != kind)
            {
                throw new PeerConnectionException($"Codec {codec.SdpName} is not a {kind} codec.");
            }

            codecs.Add(SdpCodec.Local(codec, feedback.Contains));
            if (codec.RtxPayloadType is { } rtx && feedback.Contains(SdpRtcpFeedback.Nack))
            {
                codecs.Add(SdpCodec.Rtx(rtx, codec.PayloadType, codec.ClockRate));
            }
        }

        // The enabled stages' own formats (the fec stage: RED, ULPFEC), after the codecs as Chrome lists them.
        codecs.AddRange(_interceptors.PayloadFormats(kind, [.. codecs]));
        return codecs;
    }

    /// <summary>The transport-cc stage runs: its header extension is offered/answered with its rtcp-fb.</summary>
    private bool TransportCcEnabled => _interceptors.RtcpFeedback.Contains(SdpRtcpFeedback.TransportCc);

    private SdpLocalTrack TrackOf(RtpTransceiver transceiver) =>
        new(transceiver.Ssrc, _cname, transceiver.StreamId, transceiver.TrackId, transceiver.SendStream.RtxSsrc);

    private SdpTransportParameters TransportParameters(IceAgent ice)
    {
        var credentials = ice.LocalCredentials;
        var fingerprint = _certificate.Fingerprint;
        return new SdpTransportParameters(credentials.Ufrag, credentials.Password, SdpFingerprint.FromBytes(fingerprint.Algorithm, fingerprint.Digest));
    }

    private static SessionDescription Parse(string sdp)
    {
        if (!SdpParser.TryParse(sdp, out var description, out var error))
        {
            throw new PeerConnectionException($"Invalid SDP: {error}.");
        }

        return description;
    }

    private static MediaDescription? FirstAccepted(SessionDescription description)
    {
        foreach (var media in description.Media)
        {
            if (!media.IsRejected)
            {
                return media;
            }
        }

        return null;
    }

    /// <summary>We run one transport with rtcp-mux: every accepted m-line must be muxed and, when there are several, BUNDLEd.</summary>
    private static void RequireBundleAndMux(SessionDescription offer)
    {
        var accepted = 0;
        var bundle = offer.BundleGroup?.Mids ?? [];
        foreach (var media in offer.Media)
        {
            if (media.IsRejected || !media.IsRtp)
            {
                continue;
            }

            accepted++;
            if (!media.RtcpMux)
            {
                throw new PeerConnectionException($"m-line {media.Mid} has no a=rtcp-mux; only rtcp-mux is supported.");
            }

            if (offer.Media.Count > 1 && (media.Mid is null || !bundle.Contains(media.Mid)))
            {
                throw new PeerConnectionException($"m-line {media.Mid} is not in the BUNDLE group; only BUNDLE is supported.");
            }
        }

        _ = accepted;
    }

    private static void RequireBundleAndMux(IReadOnlyList<NegotiatedMedia> media, IReadOnlyList<string> bundle)
    {
        foreach (var m in media)
        {
            if (m.Rejected)
            {
                continue;
            }

            if (!m.RtcpMux)
            {
                throw new PeerConnectionException($"m-line {m.Mid} was answered without a=rtcp-mux.");
            }

            if (media.Count > 1 && !bundle.Contains(m.Mid))
            {
                throw new PeerConnectionException($"m-line {m.Mid} was answered outside the BUNDLE group.");
            }
        }
    }

    private static string MediaTypeOf(MediaKind kind) => kind == MediaKind.Audio ? MediaDescription.AudioMedia : MediaDescription.VideoMedia;

    private static bool TryKind(string mediaType, out MediaKind kind)
    {
        kind = mediaType == MediaDescription.VideoMedia ? MediaKind.Video : MediaKind.Audio;
        return mediaType is MediaDescription.AudioMedia or MediaDescription.VideoMedia;
    }
}
