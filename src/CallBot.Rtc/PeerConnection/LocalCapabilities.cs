using CallBot.Rtc.Dtls;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>
/// What one connection puts in its offers and answers: codecs from the codec table with the rtcp-fb of the enabled media
/// stages (and the stages' own formats), header extensions, the tracks we send, and the ICE/DTLS transport parameters.
/// Immutable inputs only, so it needs no lock.
/// </summary>
internal sealed class LocalCapabilities(PeerConnectionOptions options, InterceptorChain interceptors, string cname, DtlsCertificate certificate)
{
    private const int MidExtensionId = 4;
    private const int AbsSendTimeExtensionId = 2;
    private const int TransportWideCcExtensionId = 3;

    private static readonly string[] SupportedExtensions = [SdpHeaderExtensionUris.SdesMid, SdpHeaderExtensionUris.AbsSendTime];
    private static readonly string[] SupportedExtensionsWithTransportCc = [.. SupportedExtensions, SdpHeaderExtensionUris.TransportWideCc];

    /// <summary>The transport-cc stage runs: its header extension is offered/answered with its rtcp-fb.</summary>
    public bool TransportCcEnabled => interceptors.RtcpFeedback.Contains(SdpRtcpFeedback.TransportCc);

    /// <summary>One offered m-line per transceiver (mids assigned), in order.</summary>
    public List<SdpLocalTransceiver> Offer(RtpTransceiver[] transceivers)
    {
        var local = new List<SdpLocalTransceiver>(transceivers.Length);
        foreach (var transceiver in transceivers)
        {
            var direction = transceiver.Direction.ToSdp();
            local.Add(new SdpLocalTransceiver(MediaTypeOf(transceiver.Kind), direction, Codecs(transceiver.Kind))
            {
                Mid = transceiver.Mid,
                HeaderExtensions = TransportCcEnabled
                    ? [new SdpExtMap(MidExtensionId, null, SdpHeaderExtensionUris.SdesMid, null),
                        new SdpExtMap(AbsSendTimeExtensionId, null, SdpHeaderExtensionUris.AbsSendTime, null),
                        new SdpExtMap(TransportWideCcExtensionId, null, SdpHeaderExtensionUris.TransportWideCc, null)]
                    : [new SdpExtMap(MidExtensionId, null, SdpHeaderExtensionUris.SdesMid, null),
                        new SdpExtMap(AbsSendTimeExtensionId, null, SdpHeaderExtensionUris.AbsSendTime, null)],
                Track = direction.CanSend() ? Track(transceiver) : null,
            });
        }

        return local;
    }

    /// <summary>What we answer a kind's m-lines with; <paramref name="chosen"/> is the transceiver that sends on it, if any.</summary>
    public SdpMediaCapabilities Answer(MediaKind kind, RtpTransceiver? chosen)
    {
        var direction = chosen?.Direction.ToSdp() ?? SdpDirection.RecvOnly;
        return new SdpMediaCapabilities(Codecs(kind))
        {
            HeaderExtensionUris = TransportCcEnabled ? SupportedExtensionsWithTransportCc : SupportedExtensions,
            Direction = direction,
            Track = chosen is not null && direction.CanSend() ? Track(chosen) : null,
        };
    }

    public SdpTransportParameters Transport(IceAgent ice)
    {
        var credentials = ice.LocalCredentials;
        var fingerprint = certificate.Fingerprint;
        return new SdpTransportParameters(credentials.Ufrag, credentials.Password, SdpFingerprint.FromBytes(fingerprint.Algorithm, fingerprint.Digest));
    }

    /// <summary>
    /// What we offer/answer for a kind, from the codec table: Opus for audio, the configured video codecs in order. The
    /// rtcp-fb lines are those the enabled stages use; RTX only when NACK is enabled (nothing would ask for it).
    /// </summary>
    private List<SdpCodec> Codecs(MediaKind kind)
    {
        IReadOnlyList<CodecId> ids = kind == MediaKind.Audio ? [CodecId.Opus] : options.VideoCodecs;
        var feedback = interceptors.RtcpFeedback;
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
        codecs.AddRange(interceptors.PayloadFormats(kind, [.. codecs]));
        return codecs;
    }

    private SdpLocalTrack Track(RtpTransceiver transceiver) =>
        new(transceiver.Ssrc, cname, transceiver.StreamId, transceiver.TrackId, transceiver.SendStream.RtxSsrc);

    private static string MediaTypeOf(MediaKind kind) => kind == MediaKind.Audio ? MediaDescription.AudioMedia : MediaDescription.VideoMedia;
}
