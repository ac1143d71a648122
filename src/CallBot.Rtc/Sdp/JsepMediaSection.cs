using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// Writes the lines of one m-section the way browsers order them (RFC 8829 §5.2.1 / §5.3.1), shared by the offer and
/// answer builders: c=, b=, rtcp, candidates, ICE, DTLS, mid, extmaps, direction, msid, rtcp-mux, rtcp-rsize, codecs,
/// ssrc-group and ssrc lines, end-of-candidates.
/// </summary>
internal static class JsepMediaSection
{
    private const string RtcpPlaceholder = "9 IN IP4 0.0.0.0";
    private const int KiloBits = 1000;

    public static MediaDescription Create(string mediaType, IReadOnlyList<SdpCodec> codecs)
    {
        var media = new MediaDescription { MediaType = mediaType, Port = MediaDescription.DiscardPort, Protocol = MediaDescription.SecureAvpfProtocol };
        foreach (var codec in codecs)
        {
            media.Formats.Add(codec.PayloadType.ToString(CultureInfo.InvariantCulture));
        }

        media.AddLine(SdpLine.ConnectionType, SdpConnection.Placeholder.ToString());
        return media;
    }

    public static void AddBandwidth(MediaDescription media, long? bitsPerSecond)
    {
        if (bitsPerSecond is not { } bps || bps <= 0)
        {
            return;
        }

        media.AddLine(SdpLine.BandwidthType, new SdpBandwidth(SdpBandwidth.ApplicationSpecific, Math.Max(1, bps / KiloBits)).ToString());
        media.AddLine(SdpLine.BandwidthType, new SdpBandwidth(SdpBandwidth.TransportIndependent, bps).ToString());
    }

    public static void AddTransport(MediaDescription media, SdpTransportParameters transport, SdpSetup setup, string mid)
    {
        media.AddAttribute(SdpAttributeNames.Rtcp, RtcpPlaceholder);
        foreach (var candidate in transport.Candidates)
        {
            media.Lines.Add(new SdpLine(SdpLine.AttributeType, candidate.StartsWith("candidate:", StringComparison.Ordinal) ? candidate : "candidate:" + candidate));
        }

        media.AddAttribute(SdpAttributeNames.IceUfrag, transport.IceUfrag);
        media.AddAttribute(SdpAttributeNames.IcePwd, transport.IcePwd);
        if (transport.Trickle)
        {
            media.AddAttribute(SdpAttributeNames.IceOptions, SdpAttributeNames.TrickleOption);
        }

        media.AddAttribute(SdpAttributeNames.Fingerprint, transport.Fingerprint.ToString());
        media.AddAttribute(SdpAttributeNames.Setup, setup.ToSdp());
        media.AddAttribute(SdpAttributeNames.Mid, mid);
    }

    public static void AddExtMaps(MediaDescription media, IEnumerable<SdpExtMap> extensions)
    {
        foreach (var extension in extensions)
        {
            media.AddAttribute(SdpAttributeNames.ExtMap, extension.ToString());
        }
    }

    public static void AddDirectionAndMsid(MediaDescription media, SdpDirection direction, SdpLocalTrack? track)
    {
        media.AddAttribute(direction.ToSdp());
        if (track is not null && direction.CanSend())
        {
            media.AddAttribute(SdpAttributeNames.Msid, new SdpMsid(track.StreamId, track.TrackId).ToString());
        }
    }

    public static void AddCodecs(MediaDescription media, IReadOnlyList<SdpCodec> codecs)
    {
        foreach (var codec in codecs)
        {
            media.AddAttribute(SdpAttributeNames.RtpMap, codec.RtpMap.ToString());
            foreach (var feedback in codec.Feedback)
            {
                media.AddAttribute(SdpAttributeNames.RtcpFb, $"{codec.PayloadType.ToString(CultureInfo.InvariantCulture)} {feedback}");
            }

            if (!string.IsNullOrEmpty(codec.Fmtp))
            {
                media.AddAttribute(SdpAttributeNames.Fmtp, new SdpFmtp(codec.PayloadType, codec.Fmtp).ToString());
            }
        }
    }

    public static void AddSsrcs(MediaDescription media, SdpDirection direction, SdpLocalTrack? track, bool withRtx)
    {
        if (track is null || !direction.CanSend())
        {
            return;
        }

        var rtx = withRtx ? track.RtxSsrc : null;
        if (rtx is { } rtxSsrc)
        {
            media.AddAttribute(SdpAttributeNames.SsrcGroup, new SdpSsrcGroup(SdpSsrcGroup.Fid, [track.Ssrc, rtxSsrc]).ToString());
        }

        AddSsrc(media, track.Ssrc, track);
        if (rtx is { } repair)
        {
            AddSsrc(media, repair, track);
        }
    }

    public static void AddEndOfCandidates(MediaDescription media, SdpTransportParameters transport)
    {
        if (transport.EndOfCandidates)
        {
            media.AddAttribute(SdpAttributeNames.EndOfCandidates);
        }
    }

    private static void AddSsrc(MediaDescription media, uint ssrc, SdpLocalTrack track)
    {
        media.AddAttribute(SdpAttributeNames.Ssrc, new SdpSsrc(ssrc, SdpSsrc.CName, track.CName).ToString());
        media.AddAttribute(SdpAttributeNames.Ssrc, new SdpSsrc(ssrc, SdpSsrc.Msid, new SdpMsid(track.StreamId, track.TrackId).ToString()).ToString());
    }
}
