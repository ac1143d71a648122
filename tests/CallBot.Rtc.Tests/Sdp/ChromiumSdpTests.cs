using CallBot.Rtc.Sdp;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.Sdp;

/// <summary>
/// Real Chromium against the SDP layer: Chromium's own offers parse and write back byte for byte, Chromium accepts
/// answers built by <see cref="SdpAnswerBuilder"/> to its offers, and answers offers built by <see cref="SdpOfferBuilder"/>.
/// Set CALLBOT_SDP_CAPTURE_DIR to save the captured SDP (that is how testdata/chrome-*.sdp were made).
/// </summary>
public sealed class ChromiumSdpTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    // Creates window.pc with the fake camera + microphone, optionally without H.264, and returns its offer.
    private const string CreateOfferJs = """
        async (withH264) => {
          const pc = new RTCPeerConnection();
          window.pc = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
          for (const track of stream.getTracks()) pc.addTrack(track, stream);
          if (!withH264) {
            for (const t of pc.getTransceivers()) {
              if (t.sender.track.kind !== 'video') continue;
              const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter(c => c.mimeType !== 'video/H264');
              t.setCodecPreferences(codecs);
            }
          }
          const offer = await pc.createOffer();
          await pc.setLocalDescription(offer);
          return offer.sdp;
        }
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Chromium_offer_parses_and_round_trips(bool withH264)
    {
        await using var page = await chromium.NewPageAsync();
        var sdp = await page.EvaluateAsync<string>(CreateOfferJs, withH264);
        Capture(withH264 ? "chrome-offer-audio-video-h264.sdp" : "chrome-offer-audio-video-no-h264.sdp", sdp);

        Assert.True(SdpParser.TryParse(sdp, out var offer, out var error), error.ToString());
        Assert.Equal(sdp, SdpWriter.Write(offer));
        Assert.Equal([MediaDescription.AudioMedia, MediaDescription.VideoMedia], offer.Media.Select(m => m.MediaType));
        Assert.Equal(withH264, offer.Media[1].RtpMaps.Any(m => m.EncodingName == "H264"));
        Assert.Equal(SdpSetup.ActPass, offer.Media[0].Setup);
    }

    [Fact]
    public async Task Chromium_offer_after_gathering_has_loopback_candidates_and_parses()
    {
        await using var page = await chromium.NewPageAsync();
        await page.EvaluateAsync<string>(CreateOfferJs, true);
        await page.WaitForAsync("window.pc.iceGatheringState === 'complete'");
        var sdp = await page.EvaluateAsync<string>("() => window.pc.localDescription.sdp");
        Capture("chrome-offer-gathered.sdp", sdp);

        Assert.True(SdpParser.TryParse(sdp, out var offer, out var error), error.ToString());
        Assert.Equal(sdp, SdpWriter.Write(offer));
        var candidates = offer.Media[0].Candidates.ToList();
        Assert.NotEmpty(candidates);
        Assert.All(candidates, c => Assert.StartsWith("candidate:", "candidate:" + c, StringComparison.Ordinal));
        Assert.Contains(candidates, c => c.Contains(" 127.0.0.1 ", StringComparison.Ordinal) || c.Contains(" ::1 ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, SdpDirection.SendRecv)]
    [InlineData(false, SdpDirection.SendRecv)]
    [InlineData(true, SdpDirection.RecvOnly)]
    public async Task Chromium_accepts_answer_from_SdpAnswerBuilder(bool withH264, SdpDirection direction)
    {
        await using var page = await chromium.NewPageAsync();
        var sdp = await page.EvaluateAsync<string>(CreateOfferJs, withH264);
        Assert.True(SdpParser.TryParse(sdp, out var offer, out var error), error.ToString());

        var answer = SdpAnswerBuilder.Build(offer, SdpTestValues.AnswerOptions(direction));
        var answerText = SdpWriter.Write(answer);
        Capture(withH264 ? "callbot-answer-to-chrome-h264.sdp" : "callbot-answer-to-chrome-no-h264.sdp", answerText, direction == SdpDirection.SendRecv);

        await page.EvaluateAsync("async (sdp) => { await window.pc.setRemoteDescription({ type: 'answer', sdp }); }", answerText);
        Assert.Equal("stable", await page.EvaluateAsync<string>("() => window.pc.signalingState"));
        var directions = await page.EvaluateAsync<string[]>("() => window.pc.getTransceivers().map(t => t.currentDirection)");
        Assert.Equal(direction == SdpDirection.SendRecv ? ["sendrecv", "sendrecv"] : new[] { "sendonly", "sendonly" }, directions);
        var stats = await page.GetStatsAsync();
        Assert.Contains(stats.EnumerateArray(), s => s.GetProperty("type").GetString() == "peer-connection");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Chromium_answers_offer_from_SdpOfferBuilder(bool withH264)
    {
        var offer = SdpOfferBuilder.Build(SdpTestValues.OfferOptions(withH264));
        var offerText = SdpWriter.Write(offer);
        await using var page = await chromium.NewPageAsync();
        var answerText = await page.EvaluateAsync<string>("""
            async (sdp) => {
              const pc = new RTCPeerConnection();
              window.pc = pc;
              await pc.setRemoteDescription({ type: 'offer', sdp });
              const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
              for (const t of pc.getTransceivers()) {
                const track = stream.getTracks().find(x => x.kind === t.receiver.track.kind);
                await t.sender.replaceTrack(track);
                t.direction = 'sendrecv';
                t.sender.setStreams(stream);
              }
              const answer = await pc.createAnswer();
              await pc.setLocalDescription(answer);
              return answer.sdp;
            }
            """, offerText);
        Capture(withH264 ? "chrome-answer-to-callbot-h264.sdp" : "chrome-answer-to-callbot-no-h264.sdp", answerText);

        Assert.True(SdpParser.TryParse(answerText, out var answer, out var error), error.ToString());
        Assert.Equal(answerText, SdpWriter.Write(answer));
        Assert.True(SdpNegotiator.TryNegotiate(offer, answer, localIsOffer: true, out var session, out var failure), failure.ToString());
        Assert.Equal(SdpDtlsRole.Server, session.LocalDtlsRole); // Chromium answers setup:active
        Assert.Equal(["0", "1"], session.BundleMids);
        Assert.Equal(111, session.Media[0].Codecs[0].PayloadType);
        var video = session.Media[1];
        Assert.Equal(SdpDirection.SendRecv, video.Direction);
        Assert.Contains(video.Codecs, c => c.PayloadType == 96 && c.Name == "VP8" && c.RtxPayloadType == 97);
        Assert.Equal(withH264, video.Codecs.Any(c => c.PayloadType == 102 && c.RtxPayloadType == 103));
        Assert.NotEmpty(video.RemoteSsrcs);
        Assert.NotNull(video.RemoteSsrcs[0].RtxSsrc);
    }

    private static void Capture(string name, string sdp, bool enabled = true)
    {
        var folder = Environment.GetEnvironmentVariable("CALLBOT_SDP_CAPTURE_DIR");
        if (enabled && !string.IsNullOrEmpty(folder))
        {
            File.WriteAllText(Path.Combine(folder, name), sdp);
        }
    }
}
