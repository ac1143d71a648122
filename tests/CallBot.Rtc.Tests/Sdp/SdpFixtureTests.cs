using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

/// <summary>Every captured description in testdata/: canonical round trip, and answers that keep the offerer's payload types.</summary>
public sealed class SdpFixtureTests
{
    public static TheoryData<string> AllFixtures => new(SdpTestValues.TestDataNames());

    public static TheoryData<string> Offers => new(SdpTestValues.TestDataNames().Where(n => n.Contains("offer", StringComparison.Ordinal)));

    [Fact]
    public void Fixtures_are_present()
    {
        Assert.True(AllFixtures.Count >= 7, string.Join(", ", SdpTestValues.TestDataNames()));
        Assert.True(Offers.Count >= 4);
    }

    [Theory]
    [MemberData(nameof(AllFixtures))]
    public void Fixture_parses_and_writes_back_byte_for_byte(string name)
    {
        var text = SdpTestValues.TestData(name);
        Assert.True(SdpParser.TryParse(text, out var description, out var error), $"{name}: {error}");
        Assert.Equal(text, SdpWriter.Write(description));
        Assert.NotEmpty(description.Media);
        Assert.All(description.Media, m => Assert.NotNull(m.Mid));
        Assert.NotNull(description.BundleGroup);
    }

    [Theory]
    [MemberData(nameof(Offers))]
    public void Answer_to_fixture_keeps_the_offerers_payload_types(string name)
    {
        Assert.True(SdpParser.TryParse(SdpTestValues.TestData(name), out var offer, out _));
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        Assert.Equal(offer.Media.Count, answer.Media.Count);
        for (var i = 0; i < offer.Media.Count; i++)
        {
            var offered = offer.Media[i];
            var answered = answer.Media[i];
            Assert.Equal(offered.Mid, answered.Mid);
            Assert.False(answered.IsRejected, $"{name}: m-line {i} rejected");
            foreach (var pt in answered.PayloadTypes)
            {
                Assert.Contains(pt, offered.PayloadTypes);
                var ours = answered.FindRtpMap(pt)!.Value;
                var theirs = offered.FindRtpMap(pt)!.Value;
                Assert.Equal(theirs.EncodingName, ours.EncodingName, ignoreCase: true);
                Assert.Equal(theirs.ClockRate, ours.ClockRate);
            }

            Assert.Equal(SdpSetup.Active, answered.Setup);
            Assert.True(answered.RtcpMux);
        }

        // The offerer's numbers (Chrome: opus 111, VP8 96 + RTX 97; Firefox: 109, 120 + 124), never ours (100, 120/121/122 by name).
        var opus = offer.Media[0].RtpMaps.First(m => m.EncodingName == "opus").PayloadType;
        var vp8 = offer.Media[1].RtpMaps.First(m => m.EncodingName == "VP8").PayloadType;
        var vp8Rtx = offer.Media[1].Fmtps.First(f => f.Parameters == $"apt={vp8}").PayloadType;
        Assert.Equal([opus], answer.Media[0].PayloadTypes);
        Assert.Equal([vp8, vp8Rtx], answer.Media[1].PayloadTypes.Take(2));
        Assert.Equal(offer.BundleGroup!.Mids, answer.BundleGroup!.Mids);

        // Answer text parses, round-trips, and negotiates against the offer.
        var text = SdpWriter.Write(answer);
        Assert.True(SdpParser.TryParse(text, out var reparsed, out var error), error.ToString());
        Assert.Equal(text, SdpWriter.Write(reparsed));
        Assert.True(SdpNegotiator.TryNegotiate(reparsed, offer, localIsOffer: false, out var session, out var failure), failure.ToString());
        Assert.Equal(SdpDtlsRole.Client, session.LocalDtlsRole);
        Assert.Equal(offer.Media[0].IceUfrag, session.RemoteIceUfrag);
        Assert.Equal(offer.Media.SelectMany(m => m.Candidates), session.RemoteCandidates);
        var video = session.FindMedia("1")!;
        Assert.Equal("VP8", video.Codecs[0].Name);
        Assert.Equal(vp8Rtx, video.Codecs[0].RtxPayloadType);
        Assert.True(video.Codecs[0].HasFeedback("nack pli"));
        Assert.NotNull(video.TransportWideCcId);
        Assert.NotNull(video.AbsSendTimeId);
        Assert.NotNull(video.MidExtensionId);
        Assert.Equal(offer.Media[1].ExtMaps.Single(e => e.Uri == SdpHeaderExtensionUris.TransportWideCc).Id, video.TransportWideCcId);
        var remote = Assert.Single(video.RemoteSsrcs);
        Assert.NotNull(remote.RtxSsrc);
        Assert.NotNull(remote.CName);
    }

    [Fact]
    public void Chrome_H264_offer_answer_picks_constrained_baseline_packetization_mode_1_with_its_RTX()
    {
        Assert.True(SdpParser.TryParse(SdpTestValues.TestData("chrome-offer-audio-video-h264.sdp"), out var offer, out _));
        var video = offer.Media[1];
        var expected = video.PayloadTypes.First(pt =>
            video.FindRtpMap(pt)?.EncodingName == "H264"
            && H264Parameters.ProfileOf(video.FindFmtp(pt)?.Parameters) == H264Profile.ConstrainedBaseline
            && H264Parameters.PacketizationModeOf(video.FindFmtp(pt)?.Parameters) == 1);
        var rtx = video.Fmtps.Single(f => f.Parameters == $"apt={expected}").PayloadType;

        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        var h264 = answer.Media[1].RtpMaps.Where(m => m.EncodingName == "H264").Select(m => m.PayloadType).ToList();
        Assert.Equal([expected], h264);
        Assert.Contains(rtx, answer.Media[1].PayloadTypes);
    }
}
