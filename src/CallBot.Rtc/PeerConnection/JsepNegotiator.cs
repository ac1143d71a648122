using CallBot.Rtc.Ice;
using CallBot.Rtc.Sdp;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>
/// JSEP offer/answer for one connection (RFC 8829): descriptions in and out, one at a time under a semaphore, and the
/// negotiated state they leave (session version, pending and current descriptions, remote ICE credentials, trickle that
/// came before the agent). A completed negotiation is applied to the ICE agent, the transceivers' senders, the demux
/// (<paramref name="updateDemux"/>) and the DTLS association. Errors in what the peer sent throw
/// <see cref="PeerConnectionException"/>; bad trickled candidates are logged and ignored.
/// </summary>
#pragma warning disable CA1001 // The semaphore has no wait handle to free (AvailableWaitHandle is never read), and disposing it would throw into a step still finishing while the connection closes.
internal sealed class JsepNegotiator(
    PeerConnectionOptions options,
    TransceiverList transceivers,
    PeerTransport transport,
    LocalCapabilities local,
    ILogger logger,
    string id,
    Func<SrtpSession?> keys,
    Action updateDemux,
    CancellationToken closing)
#pragma warning restore CA1001
{
    private readonly SemaphoreSlim _signaling = new(1, 1);
    private readonly ulong _sessionId = (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) << 20;
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
    public string? LocalDescription => _currentLocal is { } description ? SdpWriter.Write(description) : null;

    /// <summary>The last remote description as SDP text.</summary>
    public string? RemoteDescription => _currentRemote is { } remote ? SdpWriter.Write(remote) : null;

    /// <summary>Creates an offer for the current transceivers and sets it as the local description.</summary>
    /// <param name="iceRestart">New ICE credentials (RFC 8445 §9); media continues on the old pair until the new one is selected.</param>
    /// <param name="ct">Cancels waiting for another negotiation step.</param>
    public Task<string> CreateOfferAsync(bool iceRestart, CancellationToken ct) => StepAsync(null, _ => CreateOffer(iceRestart), ct);

    /// <summary>Applies the answer to our pending offer: ICE checks start, DTLS follows when ICE connects.</summary>
    /// <param name="sdp">The answer.</param>
    /// <param name="ct">Cancels waiting for another negotiation step.</param>
    public Task SetRemoteAnswerAsync(string sdp, CancellationToken ct) => StepAsync(sdp, answer => ApplyAnswer(answer!), ct);

    /// <summary>
    /// Applies a remote offer. Each offered audio/video m-line is matched to a transceiver with its mid, else to an unassigned
    /// one of the same kind (added with <see cref="RtcPeerConnection.AddTransceiver"/>: we send on it), else a new recvonly
    /// transceiver is created. A new ufrag/pwd is an ICE restart: we answer with new credentials and DTLS/SRTP keep running.
    /// </summary>
    /// <param name="sdp">The offer.</param>
    /// <param name="ct">Cancels waiting for another negotiation step.</param>
    public Task SetRemoteOfferAsync(string sdp, CancellationToken ct) => StepAsync(sdp, offer => ApplyOffer(offer!), ct);

    /// <summary>Answers the pending remote offer and sets it as the local description.</summary>
    /// <param name="ct">Cancels waiting for another negotiation step.</param>
    public Task<string> CreateAnswerAsync(CancellationToken ct) => StepAsync(null, _ => CreateAnswer(), ct);

    /// <summary>
    /// Adds a trickled remote candidate (<c>candidate:...</c>, with or without <c>a=</c>); an empty string or null means
    /// end-of-candidates. Names (<c>*.local</c>) are kept aside: the peer's checks still connect through peer-reflexive.
    /// Bad text is logged and ignored, never thrown.
    /// </summary>
    /// <param name="candidate">The candidate line, or null / empty for end-of-candidates.</param>
    public void AddRemoteCandidate(string? candidate)
    {
        var ice = transport.Ice;
        if (ice is null)
        {
            lock (_earlyCandidates)
            {
                if (transport.Ice is null)
                {
                    // Trickle before the offer: bounded like the agent's own list (the rest would be refused there anyway).
                    if (_earlyCandidates.Count < options.Ice.MaxRemoteCandidates)
                    {
                        _earlyCandidates.Add(candidate);
                    }

                    return;
                }

                ice = transport.Ice;
            }
        }

        ApplyRemoteCandidate(ice, candidate);
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(closing.IsCancellationRequested, typeof(RtcPeerConnection));

    /// <summary>
    /// One negotiation step: <paramref name="sdp"/> parsed first (a bad description fails before waiting), then
    /// <paramref name="step"/> alone under the semaphore (a step that returns nothing returns true). Every failure ends in
    /// the returned task, as from an async method.
    /// </summary>
    private async Task<T> StepAsync<T>(string? sdp, Func<SessionDescription?, T> step, CancellationToken ct)
    {
        ThrowIfClosed();
        var description = sdp is null ? null : Parse(sdp);
        await _signaling.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            return step(description);
        }
        finally
        {
            _signaling.Release();
        }
    }

    private string CreateOffer(bool iceRestart)
    {
        if (_pendingRemoteOffer is not null)
        {
            throw new PeerConnectionException("A remote offer is pending: create an answer first.");
        }

        var ice = transport.EnsureIce(IceRole.Controlling);
        if (iceRestart && _currentRemote is not null && !_localRestartPending)
        {
            ice.Restart();
            _localRestartPending = true;
            PeerConnectionLog.IceRestart(logger, id, "local");
        }

        var offer = SdpOfferBuilder.Build(new SdpOfferOptions(local.Transport(ice), local.Offer(transceivers.AssignMids()))
        {
            SessionId = _sessionId,
            SessionVersion = ++_sessionVersion,
        });
        _pendingLocalOffer = offer;
        _currentLocal = offer;
        transport.StartGathering();
        return SdpWriter.Write(offer);
    }

    private bool ApplyAnswer(SessionDescription answer)
    {
        var offer = _pendingLocalOffer ?? throw new PeerConnectionException("No local offer is pending.");
        if (!SdpNegotiator.TryNegotiate(offer, answer, localIsOffer: true, out var session, out var error))
        {
            throw new PeerConnectionException($"The answer does not fit our offer: {error}.");
        }

        RequireBundleAndMux(session.Media, session.BundleMids);
        _pendingLocalOffer = null;
        _currentRemote = answer;
        _localRestartPending = false;
        Apply(session);
        return true;
    }

    private bool ApplyOffer(SessionDescription offer)
    {
        if (_pendingLocalOffer is not null)
        {
            throw new PeerConnectionException("A local offer is pending (glare): rollback is not supported.");
        }

        RequireBundleAndMux(offer);
        var ice = transport.EnsureIce(IceRole.Controlled);
        var first = SdpNegotiator.FirstAccepted(offer);
        var ufrag = first?.IceUfrag ?? offer.IceUfrag;
        var pwd = first?.IcePwd ?? offer.IcePwd;
        if (_remoteCredentials is { } previous && ufrag is not null && (previous.Ufrag != ufrag || previous.Password != pwd))
        {
            ice.Restart();
            PeerConnectionLog.IceRestart(logger, id, "remote");
        }

        transceivers.MatchOffered(offer.Media);
        _pendingRemoteOffer = offer;
        _currentRemote = offer;
        return true;
    }

    private string CreateAnswer()
    {
        var offer = _pendingRemoteOffer ?? throw new PeerConnectionException("No remote offer is pending.");
        var ice = transport.Ice ?? throw new PeerConnectionException("No remote offer is pending.");
        var answer = SdpAnswerBuilder.Build(offer, new SdpAnswerOptions(local.Transport(ice))
        {
            Audio = local.Answer(MediaKind.Audio, transceivers.FirstWithMid(MediaKind.Audio)),
            Video = local.Answer(MediaKind.Video, transceivers.FirstWithMid(MediaKind.Video)),
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
        Apply(session);
        transport.StartGathering();
        return SdpWriter.Write(answer);
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
            PeerConnectionLog.CandidateIgnored(logger, id, candidate.Length > 200 ? candidate[..200] : candidate);
        }
    }

    private void Apply(NegotiatedSession session)
    {
        var ice = transport.Ice!;
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

        foreach (var transceiver in transceivers.All)
        {
            var media = transceiver.Mid is { } mid ? session.FindMedia(mid) : null;
            Configure(transceiver, media);
        }

        updateDemux();
        transport.EnsureDtls(session);
        ice.Start();
    }

    /// <summary>
    /// A re-offer (ICE restart, renegotiation) keeps the DTLS association, so the answer states the role we already play
    /// rather than a fresh choice: a changed role would ask the peer for a new handshake.
    /// </summary>
    private void KeepDtlsRole(SessionDescription answer)
    {
        if (transport.Dtls is not { } dtls)
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

    /// <summary>The negotiated codec, payload types, RTX and extension ids of a transceiver's m-line → its sender.</summary>
    private void Configure(RtpTransceiver transceiver, NegotiatedMedia? media)
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
        var senderOptions = new RtpStreamSenderOptions
        {
            Ssrc = send.Ssrc,
            PayloadType = first.PayloadType,
            MaxPacketSize = options.Mtu,
            RtxSsrc = useRtx ? send.RtxSsrc : null,
            RtxPayloadType = useRtx ? first.RtxPayloadType : null,
            MidId = (byte)(media.MidExtensionId ?? 0),
            Mid = media.Mid,
            AbsSendTimeId = (byte)(media.AbsSendTimeId ?? 0),
            TransportSequenceId = local.TransportCcEnabled ? (byte)(media.TransportWideCcId ?? 0) : (byte)0,
            HistorySize = codec.Kind() == MediaKind.Video ? RtpStreamSenderOptions.DefaultHistorySize : 0,
            HistoryRetention = options.NackHistoryRetention,
        };
        var direction = TransceiverDirectionExtensions.FromSdp(media.Direction);
        send.Configure(codec, senderOptions, direction.CanSend());
        send.Attach(keys());
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

    private static SessionDescription Parse(string sdp)
    {
        if (!SdpParser.TryParse(sdp, out var description, out var error))
        {
            throw new PeerConnectionException($"Invalid SDP: {error}.");
        }

        return description;
    }

    /// <summary>We run one transport with rtcp-mux: every accepted m-line must be muxed and, when there are several, BUNDLEd.</summary>
    private static void RequireBundleAndMux(SessionDescription offer)
    {
        var bundle = offer.BundleGroup?.Mids ?? [];
        foreach (var media in offer.Media)
        {
            if (media.IsRejected || !media.IsRtp)
            {
                continue;
            }

            if (!media.RtcpMux)
            {
                throw new PeerConnectionException($"m-line {media.Mid} has no a=rtcp-mux; only rtcp-mux is supported.");
            }

            if (offer.Media.Count > 1 && (media.Mid is null || !bundle.Contains(media.Mid)))
            {
                throw new PeerConnectionException($"m-line {media.Mid} is not in the BUNDLE group; only BUNDLE is supported.");
            }
        }
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
}
