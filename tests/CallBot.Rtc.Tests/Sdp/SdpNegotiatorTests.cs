using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Tests.Sdp;

public sealed class SdpNegotiatorTests
{
    [Theory]
    [InlineData(SdpSetup.Active, SdpSetup.Passive, true, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.Active, SdpSetup.ActPass, true, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.Passive, SdpSetup.Active, true, SdpDtlsRole.Server)]
    [InlineData(SdpSetup.Passive, SdpSetup.ActPass, true, SdpDtlsRole.Server)]
    [InlineData(SdpSetup.ActPass, SdpSetup.Active, true, SdpDtlsRole.Server)]
    [InlineData(SdpSetup.ActPass, SdpSetup.Passive, true, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.Active, SdpSetup.Active, false, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.Passive, SdpSetup.Passive, false, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.ActPass, SdpSetup.ActPass, false, SdpDtlsRole.Client)]
    [InlineData(SdpSetup.HoldConn, SdpSetup.Active, false, SdpDtlsRole.Client)]
    public void Dtls_role_table(SdpSetup local, SdpSetup remote, bool ok, SdpDtlsRole role)
    {
        Assert.Equal(ok, SdpNegotiator.TryResolveRole(local, remote, out var resolved));
        if (ok)
        {
            Assert.Equal(role, resolved);
        }
    }

    [Fact]
    public void Offerer_reads_chromium_answer_fixture()
    {
        var offer = SdpOfferBuilder.Build(SdpTestValues.OfferOptions(withH264: true));
        Assert.True(SdpParser.TryParse(SdpTestValues.TestData("chrome-answer-to-callbot-h264.sdp"), out var answer, out _));

        Assert.True(SdpNegotiator.TryNegotiate(offer, answer, localIsOffer: true, out var session, out var error), error.ToString());

        Assert.Equal(answer.Media[0].IceUfrag, session.RemoteIceUfrag);
        Assert.Equal(answer.Media[0].IcePwd, session.RemoteIcePwd);
        Assert.True(session.RemoteFingerprint.Matches(answer.Media[0].Fingerprint!));
        Assert.Equal(SdpSetup.Active, session.RemoteSetup);
        Assert.Equal(SdpDtlsRole.Server, session.LocalDtlsRole);
        Assert.True(session.RemoteTrickle);
        var audio = session.FindMedia("0")!;
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        Assert.Equal(new NegotiatedCodec(111, "opus", 48000, 2, audio.Codecs[0].Fmtp, audio.Codecs[0].RtcpFeedback, null), audio.Codecs[0]);
        Assert.True(audio.Codecs[0].HasFeedback(SdpRtcpFeedback.TransportCc));
        Assert.Single(audio.RemoteSsrcs);
        Assert.Equal(3, session.FindMedia("1")!.TransportWideCcId);
        Assert.True(session.FindMedia("1")!.RtcpReducedSize);
    }

    [Fact]
    public void Refusals_name_their_reason()
    {
        var offer = SdpOfferBuilder.Build(SdpTestValues.OfferOptions());
        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions());

        var shorter = SdpParser.ParseOrNull(SdpWriter.Write(answer))!;
        shorter.Media.RemoveAt(1);
        Assert.False(SdpNegotiator.TryNegotiate(offer, shorter, true, out _, out var error));
        Assert.Equal(SdpNegotiationError.MediaCountMismatch, error);

        var noIce = SdpParser.ParseOrNull(SdpWriter.Write(answer))!;
        foreach (var media in noIce.Media)
        {
            media.Lines.RemoveAll(l => l.IsAttributeNamed(SdpAttributeNames.IcePwd));
        }

        Assert.False(SdpNegotiator.TryNegotiate(offer, noIce, true, out _, out error));
        Assert.Equal(SdpNegotiationError.MissingIceCredentials, error);

        var noFingerprint = SdpParser.ParseOrNull(SdpWriter.Write(answer))!;
        foreach (var media in noFingerprint.Media)
        {
            media.Lines.RemoveAll(l => l.IsAttributeNamed(SdpAttributeNames.Fingerprint));
            media.AddAttribute(SdpAttributeNames.Fingerprint, "sha-256 ZZ:XX");  // not hex
        }

        Assert.False(SdpNegotiator.TryNegotiate(offer, noFingerprint, true, out _, out error));
        Assert.Equal(SdpNegotiationError.MissingFingerprint, error);

        var actpassAnswer = SdpParser.ParseOrNull(SdpWriter.Write(answer).Replace("a=setup:active", "a=setup:actpass", StringComparison.Ordinal))!;
        Assert.False(SdpNegotiator.TryNegotiate(offer, actpassAnswer, true, out _, out error));
        Assert.Equal(SdpNegotiationError.SetupConflict, error);

        Assert.True(SdpNegotiator.TryNegotiate(offer, answer, true, out var session, out _));
        Assert.Equal(SdpDtlsRole.Server, session.LocalDtlsRole);
        Assert.Equal(2, session.Media.Count);
        // Both sides CallBot: our offer carries VP8 96 + RTX 97 and the answer keeps them.
        Assert.Equal((byte)97, session.FindMedia("1")!.FindCodec(96)!.RtxPayloadType);
        Assert.Equal(SdpTestValues.VideoTrack.Ssrc, session.FindMedia("1")!.RemoteSsrcs[0].Ssrc);
        Assert.Equal(SdpTestValues.VideoTrack.RtxSsrc, session.FindMedia("1")!.RemoteSsrcs[0].RtxSsrc);
        Assert.Equal(2_000_000, session.FindMedia("1")!.MaxSendBitrateBps); // the answer echoed our offer's b=TIAS
    }

    [Theory]
    [InlineData("42e01f", H264Profile.ConstrainedBaseline, 0x1f)]
    [InlineData("42001f", H264Profile.Baseline, 0x1f)]
    [InlineData("4d001f", H264Profile.Main, 0x1f)]
    [InlineData("4d801f", H264Profile.ConstrainedBaseline, 0x1f)]
    [InlineData("58c01e", H264Profile.ConstrainedBaseline, 0x1e)]
    [InlineData("58801e", H264Profile.Baseline, 0x1e)]
    [InlineData("58001e", H264Profile.Extended, 0x1e)]
    [InlineData("640c34", H264Profile.ConstrainedHigh, 0x34)]
    [InlineData("64001f", H264Profile.High, 0x1f)]
    [InlineData(null, H264Profile.Baseline, 0x0a)]            // RFC 6184 default 42000a
    public void H264_profile_level_id(string? text, H264Profile profile, int level)
    {
        Assert.True(H264Parameters.TryParseProfileLevelId(text, out var parsed, out var parsedLevel));
        Assert.Equal(profile, parsed);
        Assert.Equal(level, parsedLevel);
    }

    [Theory]
    [InlineData("f4001f")]   // high 4:4:4: not something we match
    [InlineData("42e0")]
    [InlineData("zzzzzz")]
    public void H264_profile_level_id_unknown_or_malformed(string text) =>
        Assert.False(H264Parameters.TryParseProfileLevelId(text, out _, out _));
}

public sealed class SdpCodecIdTests
{
    [Theory]
    [InlineData(CallBot.Abstractions.CodecId.Opus, "opus", 48000)]
    [InlineData(CallBot.Abstractions.CodecId.Vp8, "VP8", 90000)]
    [InlineData(CallBot.Abstractions.CodecId.H264, "H264", 90000)]
    public void CodecId_maps_to_sdp_and_back(CallBot.Abstractions.CodecId id, string name, int clock)
    {
        var codec = SdpCodec.For(id, 100);
        Assert.Equal((100, name, clock), (codec.PayloadType, codec.Name, codec.ClockRate));
        var negotiated = new NegotiatedCodec(100, name.ToLowerInvariant(), clock, 1, null, [], null);
        Assert.True(negotiated.TryGetCodecId(out var back));
        Assert.Equal(id, back);
        Assert.False((negotiated with { ClockRate = 8000 }).TryGetCodecId(out _));
    }
}
