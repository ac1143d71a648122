using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

public sealed class SdpAnswerBuilderTests
{
    private const string Session =
        "v=0\r\n" +
        "o=- 1 1 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=group:BUNDLE a v\r\n";

    private const string Transport =
        "c=IN IP4 0.0.0.0\r\n" +
        "a=ice-ufrag:rem1\r\n" +
        "a=ice-pwd:remotepasswordremotepass\r\n" +
        "a=fingerprint:sha-256 01:02:03:04\r\n";

    private static string Audio(string extra = "", string setup = "actpass", string direction = "sendrecv") =>
        "m=audio 9 UDP/TLS/RTP/SAVPF 109 0\r\n" + Transport +
        $"a=setup:{setup}\r\n" +
        "a=mid:a\r\n" +
        $"a={direction}\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtpmap:109 opus/48000/2\r\n" +          // Firefox numbers opus 109
        "a=rtpmap:0 PCMU/8000\r\n" + extra;

    private static string Video(string formats, string lines, string direction = "sendrecv") =>
        $"m=video 9 UDP/TLS/RTP/SAVPF {formats}\r\n" + Transport +
        "a=setup:actpass\r\n" +
        "a=mid:v\r\n" +
        "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
        "a=extmap:9/sendonly urn:3gpp:video-orientation\r\n" +
        $"a={direction}\r\n" +
        "a=rtcp-mux\r\n" + lines;

    private static SessionDescription Parse(string text)
    {
        Assert.True(SdpParser.TryParse(text, out var description, out var error), error.ToString());
        return description;
    }

    [Fact]
    public void H264_matches_on_profile_and_packetization_mode_not_level_and_keeps_remote_numbers()
    {
        var offer = Parse(Session + Audio() + Video("126 97 105 106",
            "a=rtpmap:126 H264/90000\r\n" +
            "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n" + // CB 3.1, mode 1: match
            "a=rtcp-fb:126 nack\r\n" +
            "a=rtcp-fb:126 nack pli\r\n" +
            "a=rtcp-fb:126 ccm fir\r\n" +
            "a=rtcp-fb:126 goog-lntf\r\n" +                // not ours: dropped
            "a=rtpmap:97 H264/90000\r\n" +
            "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n" +                       // mode 0: no
            "a=rtpmap:105 rtx/90000\r\n" +
            "a=fmtp:105 apt=126\r\n" +
            "a=rtpmap:106 rtx/90000\r\n" +
            "a=fmtp:106 apt=97\r\n"));                     // RTX of a codec we did not pick: dropped
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        var video = answer.Media[1];
        Assert.Equal([(byte)126, 105], video.PayloadTypes);
        Assert.Equal(["nack", "nack pli", "ccm fir"], video.FeedbackFor(126).Select(f => f.Kind));
        Assert.Equal("apt=126", video.FindFmtp(105)!.Value.Parameters);
        Assert.Equal([new SdpExtMap(7, null, SdpHeaderExtensionUris.TransportWideCc, null)], video.ExtMaps); // orientation not ours
        Assert.Equal([(byte)109], answer.Media[0].PayloadTypes);
        Assert.Equal(["a", "v"], answer.BundleGroup!.Mids);
    }

    [Theory]
    [InlineData("640c1f", "1")]   // constrained high
    [InlineData("4d001f", "1")]   // main
    [InlineData("42e01f", "0")]   // right profile, wrong mode
    public void Video_with_no_common_codec_is_rejected_with_port_0_and_left_out_of_BUNDLE(string profile, string mode)
    {
        var offer = Parse(Session + Audio() + Video("100",
            "a=rtpmap:100 H264/90000\r\n" +
            $"a=fmtp:100 profile-level-id={profile};packetization-mode={mode}\r\n"));
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        var video = answer.Media[1];
        Assert.True(video.IsRejected);
        Assert.Equal("video 0 UDP/TLS/RTP/SAVPF 100", video.MediaLineValue());
        Assert.Equal("v", video.Mid);
        Assert.Equal(["a"], answer.BundleGroup!.Mids);
        Assert.True(SdpNegotiator.TryNegotiate(answer, offer, localIsOffer: false, out var session, out _));
        Assert.True(session.FindMedia("v")!.Rejected);
    }

    [Theory]
    [InlineData("sendrecv", SdpDirection.SendRecv, "sendrecv")]
    [InlineData("sendonly", SdpDirection.SendRecv, "recvonly")]
    [InlineData("recvonly", SdpDirection.SendRecv, "sendonly")]
    [InlineData("inactive", SdpDirection.SendRecv, "inactive")]
    [InlineData("sendrecv", SdpDirection.RecvOnly, "recvonly")]
    [InlineData("sendrecv", SdpDirection.SendOnly, "sendonly")]
    [InlineData("recvonly", SdpDirection.RecvOnly, "inactive")]
    [InlineData("sendonly", SdpDirection.SendOnly, "inactive")]
    public void Direction_is_ours_intersected_with_the_reverse_of_the_offer(string offered, SdpDirection ours, string answered)
    {
        var offer = Parse(Session + Audio(direction: offered));
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions(ours));

        Assert.Equal(answered, answer.Media[0].ExplicitDirection!.Value.ToSdp());
        Assert.Equal(answer.Media[0].Direction.CanSend(), answer.Media[0].Msid is not null);
        Assert.Equal(answer.Media[0].Direction.CanSend(), answer.Media[0].Ssrcs.Any());
    }

    [Theory]
    [InlineData("actpass", SdpSetup.Active, SdpDtlsRole.Client)]
    [InlineData("passive", SdpSetup.Active, SdpDtlsRole.Client)]
    [InlineData("active", SdpSetup.Passive, SdpDtlsRole.Server)]
    public void Setup_is_active_unless_the_offer_is_active(string offered, SdpSetup answered, SdpDtlsRole role)
    {
        var offer = Parse(Session + Audio(setup: offered));
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        Assert.Equal(answered, answer.Media[0].Setup);
        Assert.True(SdpNegotiator.TryNegotiate(answer, offer, localIsOffer: false, out var session, out var error), error.ToString());
        Assert.Equal(role, session.LocalDtlsRole);
    }

    [Theory]
    [InlineData("b=AS:256\r\n", null, 256_000L)]                 // echoed, and our send limit
    [InlineData("b=TIAS:300000\r\nb=AS:500\r\n", null, 300_000L)] // TIAS preferred
    [InlineData("b=AS:256\r\n", 128_000L, 128_000L)]             // ours is lower: we write ours
    [InlineData("", 64_000L, 64_000L)]                            // offer has none: ours
    [InlineData("", null, null)]
    public void Bandwidth_is_honoured_and_echoed(string offered, long? ours, long? written)
    {
        var offer = Parse(Session + "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\nc=IN IP4 0.0.0.0\r\n" + offered +
            "a=ice-ufrag:rem1\r\na=ice-pwd:remotepasswordremotepass\r\na=fingerprint:sha-256 01:02\r\na=setup:actpass\r\na=mid:a\r\na=rtpmap:109 opus/48000/2\r\n");
        var options = SdpTestValues.AnswerOptions();
        options = options with { Audio = options.Audio! with { MaxReceiveBitrateBps = ours } };

        var answer = SdpAnswerBuilder.Build(offer, options);

        Assert.Equal(written, SdpAnswerBuilder.RemoteBitrate(answer.Media[0]));
        Assert.True(SdpNegotiator.TryNegotiate(answer, offer, localIsOffer: false, out var session, out _));
        Assert.Equal(SdpAnswerBuilder.RemoteBitrate(offer.Media[0]), session.Media[0].MaxSendBitrateBps);
    }

    [Fact]
    public void Data_channel_unknown_media_and_offered_port_0_are_rejected()
    {
        var offer = Parse(Session +
            "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:d\r\na=sctp-port:5000\r\n" +
            "m=text 9 UDP/TLS/RTP/SAVPF 98\r\na=mid:t\r\na=rtpmap:98 t140/1000\r\n" +
            "m=audio 0 UDP/TLS/RTP/SAVPF 109\r\na=mid:z\r\na=rtpmap:109 opus/48000/2\r\n" +
            Audio());
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        Assert.Equal([true, true, true, false], answer.Media.Select(m => m.IsRejected));
        Assert.Equal("application 0 UDP/DTLS/SCTP webrtc-datachannel", answer.Media[0].MediaLineValue());
        Assert.Equal(["d", "t", "z", "a"], answer.Media.Select(m => m.Mid));
        var text = SdpWriter.Write(answer);
        Assert.True(SdpParser.TryParse(text, out _, out var error), error.ToString());
    }

    [Fact]
    public void Answer_without_BUNDLE_in_offer_has_no_group_and_uses_index_mids_when_offer_has_none()
    {
        var offer = Parse("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + Transport + "a=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n");
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        Assert.Null(answer.BundleGroup);
        Assert.Equal("0", answer.Media[0].Mid);
        Assert.False(answer.Media[0].RtcpMux); // not offered, not answered
    }

    [Fact]
    public void Second_m_line_of_a_kind_does_not_reuse_the_track()
    {
        var offer = Parse(Session + Audio() + Audio().Replace("a=mid:a", "a=mid:b", StringComparison.Ordinal));
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        Assert.NotNull(answer.Media[0].Msid);
        Assert.Null(answer.Media[1].Msid);
        Assert.Empty(answer.Media[1].Ssrcs);
    }
}
