using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CallBot.Rtc.Sdp;
using CallBot.Rtc.Tests.PeerConnection;

namespace CallBot.Rtc.Tests.Payloads;

/// <summary>The one codec table: complete, what the SDP says comes from it, and an unknown codec fails with its name.</summary>
public sealed class CodecTableTests
{
    private const CodecId NotACodec = (CodecId)42;

    [Fact]
    public void Every_codec_has_one_table_entry_and_a_packetization()
    {
        Assert.Equal(Enum.GetValues<CodecId>(), CodecTable.All.Select(c => c.Id));
        Assert.Equal(Enum.GetValues<CodecId>().Order(), RtpCodecs.Supported.Order());
        foreach (var codec in CodecTable.All)
        {
            Assert.Same(codec, CodecTable.Get(codec.Id));
            Assert.NotNull(RtpCodecs.CreatePayloader(codec.Id));
            Assert.NotNull(RtpCodecs.CreateDepacketizer(codec.Id));
            Assert.True(CodecTable.TryFind(codec.SdpName.ToLowerInvariant(), codec.ClockRate, out var found));
            Assert.Same(codec, found);
        }
    }

    [Fact]
    public void An_unknown_codec_fails_loudly_with_its_name_everywhere_the_table_is_read()
    {
        Assert.Contains("42", Assert.Throws<UnknownCodecException>(() => CodecTable.Get(NotACodec)).Message, StringComparison.Ordinal);
        Assert.Throws<UnknownCodecException>(() => NotACodec.ClockRate());
        Assert.Throws<UnknownCodecException>(() => NotACodec.Kind());
        Assert.Throws<UnknownCodecException>(() => RtpCodecs.CreatePayloader(NotACodec));
        Assert.Throws<UnknownCodecException>(() => RtpCodecs.CreateDepacketizer(NotACodec));
        Assert.Throws<UnknownCodecException>(() => SdpCodec.For(NotACodec, 100));
        var byName = Assert.Throws<UnknownCodecException>(() => CodecTable.Parse("AV1"));
        Assert.Equal("AV1", byName.Codec);
        Assert.Contains("'AV1'", byName.Message, StringComparison.Ordinal);
        Assert.False(CodecTable.TryFind("VP9", 90_000, out _));
    }

    [Fact]
    public async Task An_offer_lists_the_table_codecs_with_their_rtpmap_fmtp_and_rtx()
    {
        await using var pc = PeerHarness.Create();
        pc.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        pc.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);

        var offer = await pc.CreateOfferAsync(ct: TestContext.Current.CancellationToken);

        var opus = CodecTable.Get(CodecId.Opus);
        var vp8 = CodecTable.Get(CodecId.Vp8);
        var h264 = CodecTable.Get(CodecId.H264);
        Assert.Contains($"a=rtpmap:{opus.PayloadType} opus/48000/2\r\na=fmtp:{opus.PayloadType} {opus.SdpFmtp}\r\n", offer, StringComparison.Ordinal);
        Assert.Contains($"a=rtpmap:{vp8.PayloadType} VP8/90000\r\n", offer, StringComparison.Ordinal);
        Assert.Contains($"a=rtpmap:{vp8.RtxPayloadType} rtx/90000\r\na=fmtp:{vp8.RtxPayloadType} apt={vp8.PayloadType}\r\n", offer, StringComparison.Ordinal);
        Assert.Contains($"a=rtpmap:{h264.PayloadType} H264/90000\r\n", offer, StringComparison.Ordinal);
        Assert.Contains($"a=fmtp:{h264.PayloadType} {h264.SdpFmtp}\r\n", offer, StringComparison.Ordinal);
        foreach (var feedback in vp8.RtcpFeedback)
        {
            Assert.Contains($"a=rtcp-fb:{vp8.PayloadType} {feedback}\r\n", offer, StringComparison.Ordinal);
        }

        Assert.DoesNotContain($"a=rtcp-fb:{opus.PayloadType}", offer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_codec_of_the_wrong_kind_or_outside_the_table_fails_the_offer()
    {
        await using var wrongKind = PeerHarness.Create(Loopback([CodecId.Opus]));
        wrongKind.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        await using var unknown = PeerHarness.Create(Loopback([NotACodec]));
        unknown.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);

        var kind = await Assert.ThrowsAsync<PeerConnectionException>(() => wrongKind.CreateOfferAsync(ct: TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<UnknownCodecException>(() => unknown.CreateOfferAsync(ct: TestContext.Current.CancellationToken));

        Assert.Contains("opus", kind.Message, StringComparison.Ordinal);
    }

    private static PeerConnectionOptions Loopback(IReadOnlyList<CodecId> videoCodecs) => new()
    {
        VideoCodecs = videoCodecs,
        Ice = new CallBot.Rtc.Ice.IceOptions { IncludeLoopback = true, IncludeIPv6 = false, AllowLoopbackRemoteCandidates = true },
        HostAddressFilter = System.Net.IPAddress.IsLoopback,
    };
}
