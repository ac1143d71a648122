using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// Builds a JSEP answer (RFC 8829 §5.3.1) to a remote offer from our capabilities. Per offered m-line: codecs are the
/// intersection in the offer's order, KEEPING THE REMOTE payload type numbers (RFC 3264 §6.1), RTX only for chosen
/// codecs (apt), feedback and header extensions intersected (remote ids kept), direction = ours ∩ reverse(offer's),
/// setup:active unless the offer is setup:active (then passive), b=AS/TIAS = min(offer, ours). An m-line we cannot
/// accept is answered with port 0 and left out of BUNDLE.
/// </summary>
public static class SdpAnswerBuilder
{
    public static SessionDescription Build(SessionDescription offer, SdpAnswerOptions options)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        var answer = new SessionDescription
        {
            Origin = SdpOrigin.Create(options.SessionId, options.SessionVersion),
            SessionName = "-",
        };
        answer.AddLine(SdpLine.TimingType, "0 0");

        var usedTracks = new HashSet<SdpLocalTrack>();
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var sections = new List<MediaDescription>(offer.Media.Count);
        for (var i = 0; i < offer.Media.Count; i++)
        {
            var offered = offer.Media[i];
            var mid = offered.Mid ?? i.ToString(CultureInfo.InvariantCulture);
            var section = AnswerMedia(offer, offered, mid, options, usedTracks);
            if (!section.IsRejected)
            {
                accepted.Add(mid);
            }

            sections.Add(section);
        }

        if (offer.BundleGroup is { } bundle)
        {
            var mids = new List<string>();
            foreach (var mid in bundle.Mids)
            {
                if (accepted.Contains(mid))
                {
                    mids.Add(mid);
                }
            }

            if (mids.Count > 0)
            {
                answer.AddAttribute(SdpAttributeNames.Group, new SdpGroup(SdpGroup.Bundle, mids).ToString());
            }
        }

        if (options.ExtMapAllowMixed && offer.HasAttribute(SdpAttributeNames.ExtMapAllowMixed))
        {
            answer.AddAttribute(SdpAttributeNames.ExtMapAllowMixed);
        }

        answer.AddAttribute(SdpAttributeNames.MsidSemantic, " WMS");
        answer.Media.AddRange(sections);
        return answer;
    }

    /// <summary>Our DTLS setup for an offer: active (DTLS client) unless the offerer insists on active (RFC 8842 §5.3).</summary>
    public static SdpSetup AnswerSetup(SessionDescription offer, MediaDescription offered) =>
        (offered.Setup ?? offer.Setup) == SdpSetup.Active ? SdpSetup.Passive : SdpSetup.Active;

    private static MediaDescription AnswerMedia(SessionDescription offer, MediaDescription offered, string mid, SdpAnswerOptions options, HashSet<SdpLocalTrack> usedTracks)
    {
        var capabilities = options.For(offered.MediaType);
        if (offered.IsRejected || capabilities is null || !offered.IsRtp)
        {
            return Rejected(offered, mid);
        }

        var codecs = IntersectCodecs(offered, capabilities);
        if (codecs.Count == 0)
        {
            return Rejected(offered, mid);
        }

        var track = capabilities.Track is { } candidate && usedTracks.Add(candidate) ? candidate : null;
        var direction = capabilities.Direction & offered.Direction.Reverse();
        var media = JsepMediaSection.Create(offered.MediaType, codecs);
        media.Protocol = offered.Protocol;
        JsepMediaSection.AddBandwidth(media, Min(RemoteBitrate(offered), capabilities.MaxReceiveBitrateBps));
        JsepMediaSection.AddTransport(media, options.Transport, AnswerSetup(offer, offered), mid);
        JsepMediaSection.AddExtMaps(media, IntersectExtensions(offered, capabilities));
        JsepMediaSection.AddDirectionAndMsid(media, direction, track);
        if (offered.RtcpMux)
        {
            media.AddAttribute(SdpAttributeNames.RtcpMux);
        }

        if (offered.RtcpReducedSize)
        {
            media.AddAttribute(SdpAttributeNames.RtcpRsize);
        }

        JsepMediaSection.AddCodecs(media, codecs);
        JsepMediaSection.AddSsrcs(media, direction, track, HasRtx(codecs));
        JsepMediaSection.AddEndOfCandidates(media, options.Transport);
        return media;
    }

    /// <summary>The remote's receive limit in bit/s from b=TIAS (preferred) or b=AS, or null.</summary>
    public static long? RemoteBitrate(MediaDescription media)
    {
        long? applicationSpecific = null;
        foreach (var bandwidth in media.Bandwidths)
        {
            if (bandwidth.Type == SdpBandwidth.TransportIndependent)
            {
                return bandwidth.BitsPerSecond;
            }

            if (bandwidth.Type == SdpBandwidth.ApplicationSpecific)
            {
                applicationSpecific = bandwidth.BitsPerSecond;
            }
        }

        return applicationSpecific;
    }

    internal static List<SdpCodec> IntersectCodecs(MediaDescription offered, SdpMediaCapabilities capabilities)
    {
        var index = new SdpFormatIndex(offered);
        var primaries = new HashSet<byte>();
        var chosen = new List<SdpCodec>();
        var rtxSupported = false;
        foreach (var local in capabilities.Codecs)
        {
            rtxSupported |= local.IsRtx;
        }

        foreach (var pt in offered.PayloadTypes)
        {
            if (!index.TryGetRtpMap(pt, out var map) || IsRtx(map))
            {
                continue;
            }

            var fmtp = index.Fmtp(pt)?.Parameters;
            foreach (var local in capabilities.Codecs)
            {
                if (!local.IsRtx && SdpCodecMatcher.Matches(map, fmtp, local))
                {
                    // Audio RED's fmtp names the offerer's payload types (111/111): it is kept, never replaced by ours.
                    var answerFmtp = local.NamesPayloadTypes ? fmtp : local.Fmtp ?? fmtp;
                    chosen.Add(new SdpCodec(pt, map.EncodingName, map.ClockRate, map.Channels, answerFmtp, IntersectFeedback(index, pt, local)));
                    primaries.Add(pt);
                    break;
                }
            }
        }

        if (!rtxSupported || chosen.Count == 0)
        {
            return chosen;
        }

        // Second pass in the offer's order so RTX formats land where the offerer put them.
        var ordered = new List<SdpCodec>(chosen.Count * 2);
        var next = 0;
        foreach (var pt in offered.PayloadTypes)
        {
            if (next < chosen.Count && chosen[next].PayloadType == pt)
            {
                ordered.Add(chosen[next++]);
                continue;
            }

            if (index.TryGetRtpMap(pt, out var map) && IsRtx(map) && index.Fmtp(pt) is { } fmtp
                && fmtp.TryGetParameter(SdpCodec.AptParameter, out var aptText)
                && SdpNumbers.TryPayloadType(aptText, out var apt) && primaries.Contains(apt))
            {
                ordered.Add(new SdpCodec(pt, map.EncodingName, map.ClockRate, map.Channels, fmtp.Parameters));
            }
        }

        return ordered;
    }

    private static List<string> IntersectFeedback(SdpFormatIndex index, byte pt, SdpCodec local)
    {
        var result = new List<string>();
        foreach (var feedback in index.Feedback(pt))
        {
            foreach (var kind in local.Feedback)
            {
                if (string.Equals(kind, feedback.Kind, StringComparison.OrdinalIgnoreCase) && !result.Contains(kind))
                {
                    result.Add(feedback.Kind);
                }
            }
        }

        return result;
    }

    private static List<SdpExtMap> IntersectExtensions(MediaDescription offered, SdpMediaCapabilities capabilities)
    {
        var result = new List<SdpExtMap>();
        foreach (var extension in offered.ExtMaps)
        {
            foreach (var uri in capabilities.HeaderExtensionUris)
            {
                if (string.Equals(uri, extension.Uri, StringComparison.Ordinal))
                {
                    result.Add(extension with { Direction = null });
                    break;
                }
            }
        }

        return result;
    }

    private static MediaDescription Rejected(MediaDescription offered, string mid)
    {
        var media = new MediaDescription { MediaType = offered.MediaType, Port = 0, Protocol = offered.Protocol };
        media.Formats.Add(offered.Formats.Count > 0 ? offered.Formats[0] : "0");
        media.AddLine(SdpLine.ConnectionType, SdpConnection.Placeholder.ToString());
        media.AddAttribute(SdpAttributeNames.Mid, mid);
        if (offered.IsRtp)
        {
            media.AddAttribute(SdpAttributeNames.Inactive);
        }

        return media;
    }

    private static bool IsRtx(SdpRtpMap map) => string.Equals(map.EncodingName, SdpCodec.RtxName, StringComparison.OrdinalIgnoreCase);

    private static bool HasRtx(List<SdpCodec> codecs)
    {
        foreach (var codec in codecs)
        {
            if (codec.IsRtx)
            {
                return true;
            }
        }

        return false;
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

/// <summary>The static payload types (RFC 3551 §6) browsers may list without an rtpmap.</summary>
internal static class SdpStaticPayloadTypes
{
    private const int NarrowbandClock = 8000;

    public static bool TryGet(byte pt, out SdpRtpMap map)
    {
        map = pt switch
        {
            0 => new SdpRtpMap(0, "PCMU", NarrowbandClock, 1),
            8 => new SdpRtpMap(8, "PCMA", NarrowbandClock, 1),
            9 => new SdpRtpMap(9, "G722", NarrowbandClock, 1),
            _ => default,
        };
        return map.EncodingName is not null;
    }
}
