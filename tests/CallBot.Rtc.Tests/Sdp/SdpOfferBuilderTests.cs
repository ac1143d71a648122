using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

public sealed class SdpOfferBuilderTests
{
    [Fact]
    public void Offer_is_written_canonically_in_browser_order()
    {
        var options = SdpTestValues.OfferOptions(withH264: false) with
        {
            Transport = SdpTestValues.Transport with { Candidates = ["candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"], EndOfCandidates = true },
        };

        var text = SdpWriter.Write(SdpOfferBuilder.Build(options));

        const string fingerprint = "a=fingerprint:sha-256 A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90\r\n";
        const string transport =
            "a=rtcp:9 IN IP4 0.0.0.0\r\n" +
            "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n" +
            "a=ice-ufrag:CbUf\r\n" +
            "a=ice-pwd:callbotpasswordof24chars\r\n" +
            "a=ice-options:trickle\r\n" +
            fingerprint +
            "a=setup:actpass\r\n";                       // the answerer picks the DTLS role
        const string extmaps =
            "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
            "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n" +
            "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n";
        var expected =
            "v=0\r\n" +
            "o=- 777 1 IN IP4 127.0.0.1\r\n" +
            "s=-\r\n" +
            "t=0 0\r\n" +
            "a=group:BUNDLE 0 1\r\n" +
            "a=msid-semantic: WMS\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" +
            "c=IN IP4 0.0.0.0\r\n" +
            transport +
            "a=mid:0\r\n" +
            extmaps +
            "a=sendrecv\r\n" +
            "a=msid:callbot callbot-audio\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtcp-rsize\r\n" +
            "a=rtpmap:111 opus/48000/2\r\n" +
            "a=rtcp-fb:111 transport-cc\r\n" +
            "a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
            "a=ssrc:286331153 cname:callbotcname\r\n" +          // 0x11111111
            "a=ssrc:286331153 msid:callbot callbot-audio\r\n" +
            "a=end-of-candidates\r\n" +
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" +
            "c=IN IP4 0.0.0.0\r\n" +
            "b=AS:2000\r\n" +                                  // kbit/s
            "b=TIAS:2000000\r\n" +                             // bit/s
            transport +
            "a=mid:1\r\n" +
            extmaps +
            "a=sendrecv\r\n" +
            "a=msid:callbot callbot-video\r\n" +
            "a=rtcp-mux\r\n" +
            "a=rtcp-rsize\r\n" +
            "a=rtpmap:96 VP8/90000\r\n" +
            "a=rtcp-fb:96 goog-remb\r\n" +
            "a=rtcp-fb:96 transport-cc\r\n" +
            "a=rtcp-fb:96 ccm fir\r\n" +
            "a=rtcp-fb:96 nack\r\n" +
            "a=rtcp-fb:96 nack pli\r\n" +
            "a=rtpmap:97 rtx/90000\r\n" +
            "a=fmtp:97 apt=96\r\n" +
            "a=ssrc-group:FID 572662306 858993459\r\n" +      // media 0x22222222, RTX 0x33333333
            "a=ssrc:572662306 cname:callbotcname\r\n" +
            "a=ssrc:572662306 msid:callbot callbot-video\r\n" +
            "a=ssrc:858993459 cname:callbotcname\r\n" +
            "a=ssrc:858993459 msid:callbot callbot-video\r\n" +
            "a=end-of-candidates\r\n";
        Assert.Equal(expected, text);
        Assert.True(SdpParser.TryParse(text, out _, out var error), error.ToString());
    }

    [Fact]
    public void Recvonly_transceiver_without_track_writes_no_msid_or_ssrc_and_custom_mids_are_bundled()
    {
        var options = new SdpOfferOptions(SdpTestValues.Transport,
        [
            new SdpLocalTransceiver(MediaDescription.VideoMedia, SdpDirection.RecvOnly, [SdpCodec.Vp8()]) { Mid = "video", Track = SdpTestValues.VideoTrack },
            new SdpLocalTransceiver(MediaDescription.AudioMedia, SdpDirection.Inactive, [SdpCodec.Opus()]) { Mid = "audio" },
        ])
        { ExtMapAllowMixed = true };

        var offer = SdpOfferBuilder.Build(options);

        Assert.Equal(["video", "audio"], offer.BundleGroup!.Mids);
        Assert.True(offer.HasAttribute(SdpAttributeNames.ExtMapAllowMixed));
        Assert.Equal(SdpDirection.RecvOnly, offer.Media[0].Direction);
        Assert.Null(offer.Media[0].Msid);
        Assert.Empty(offer.Media[0].Ssrcs);
        Assert.Equal(SdpDirection.Inactive, offer.Media[1].Direction);
        Assert.Empty(offer.Media[1].Bandwidths);
    }
}
