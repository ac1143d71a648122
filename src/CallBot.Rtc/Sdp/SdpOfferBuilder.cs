using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>
/// Builds a JSEP offer (RFC 8829 §5.2.1) from local transceivers: unified plan, one m-line per transceiver with mids
/// "0", "1", ..., everything BUNDLEd (RFC 8843) over one transport with rtcp-mux and rtcp-rsize, setup:actpass
/// (RFC 8842 §5.2) so the answerer picks the DTLS role.
/// </summary>
public static class SdpOfferBuilder
{
    public static SessionDescription Build(SdpOfferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var offer = new SessionDescription
        {
            Origin = SdpOrigin.Create(options.SessionId, options.SessionVersion),
            SessionName = "-",
        };
        offer.AddLine(SdpLine.TimingType, "0 0");

        var mids = new List<string>(options.Transceivers.Count);
        for (var i = 0; i < options.Transceivers.Count; i++)
        {
            mids.Add(options.Transceivers[i].Mid ?? i.ToString(CultureInfo.InvariantCulture));
        }

        if (options.Transport.IceLite)
        {
            offer.AddAttribute(SdpAttributeNames.IceLite);
        }

        if (mids.Count > 0)
        {
            offer.AddAttribute(SdpAttributeNames.Group, new SdpGroup(SdpGroup.Bundle, mids).ToString());
        }

        if (options.ExtMapAllowMixed)
        {
            offer.AddAttribute(SdpAttributeNames.ExtMapAllowMixed);
        }

        offer.AddAttribute(SdpAttributeNames.MsidSemantic, " WMS");
        for (var i = 0; i < options.Transceivers.Count; i++)
        {
            offer.Media.Add(BuildMedia(options.Transceivers[i], mids[i], options.Transport));
        }

        return offer;
    }

    private static MediaDescription BuildMedia(SdpLocalTransceiver transceiver, string mid, SdpTransportParameters transport)
    {
        var media = JsepMediaSection.Create(transceiver.MediaType, transceiver.Codecs);
        JsepMediaSection.AddBandwidth(media, transceiver.MaxReceiveBitrateBps);
        JsepMediaSection.AddTransport(media, transport, SdpSetup.ActPass, mid);
        JsepMediaSection.AddExtMaps(media, transceiver.HeaderExtensions);
        JsepMediaSection.AddDirectionAndMsid(media, transceiver.Direction, transceiver.Track);
        media.AddAttribute(SdpAttributeNames.RtcpMux);
        media.AddAttribute(SdpAttributeNames.RtcpRsize);
        JsepMediaSection.AddCodecs(media, transceiver.Codecs);
        JsepMediaSection.AddSsrcs(media, transceiver.Direction, transceiver.Track, HasRtx(transceiver.Codecs));
        JsepMediaSection.AddEndOfCandidates(media, transport);
        return media;
    }

    private static bool HasRtx(IReadOnlyList<SdpCodec> codecs)
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
}
