using CallBot.Abstractions;
using CallBot.Rtc.Srtp;
using CallBot.Rtc.Tests.Payloads;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Two CallBot peers over real loopback UDP: every DTLS role and SRTP profile, real VP8/Opus frames both ways.</summary>
public sealed class CallBotLoopbackTests
{
    public static TheoryData<bool, string> RolesAndProfiles => new()
    {
        { false, SrtpProfile.AeadAes128Gcm.Name },
        { false, SrtpProfile.Aes128CmHmacSha1Tag80.Name },
        { true, SrtpProfile.AeadAes128Gcm.Name },
        { true, SrtpProfile.Aes128CmHmacSha1Tag80.Name },
    };

    [Theory]
    [MemberData(nameof(RolesAndProfiles))]
    public async Task Frames_flow_both_ways_intact_and_in_order(bool offererIsDtlsClient, string profileName)
    {
        var profile = SrtpProfile.All.Single(p => p.Name == profileName);
        await using var offerer = PeerHarness.Create(PeerHarness.LoopbackOptions(profile));
        await using var answerer = PeerHarness.Create(PeerHarness.LoopbackOptions(profile));
        var offerAudio = offerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var offerVideo = offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var answerAudio = answerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
        var answerVideo = answerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        PeerHarness.Trickle(offerer, answerer);
        PeerHarness.Trickle(answerer, offerer);
        var offererConnected = PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected);
        var answererConnected = PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected);

        // An offer with setup:active makes the offerer the DTLS client (the answerer must then answer passive).
        await PeerHarness.NegotiateAsync(offerer, answerer,
            mungeOffer: offererIsDtlsClient ? offer => offer.Replace("a=setup:actpass", "a=setup:active", StringComparison.Ordinal) : null);
        await offererConnected;
        await answererConnected;

        var offererStats = offerer.GetStats().Transport;
        var answererStats = answerer.GetStats().Transport;
        Assert.Equal(profile.Name, offererStats.SrtpCipher);
        Assert.Equal(profile.Name, answererStats.SrtpCipher);
        Assert.Equal(offererIsDtlsClient ? "Client" : "Server", offererStats.DtlsRole);
        Assert.Equal(offererIsDtlsClient ? "Server" : "Client", answererStats.DtlsRole);
        Assert.Equal(CodecId.Vp8, offerVideo.NegotiatedCodec);
        Assert.Equal(CodecId.Opus, answerAudio.NegotiatedCodec);

        var toAnswererVideo = new FrameCollector();
        var toAnswererAudio = new FrameCollector();
        var toOffererVideo = new FrameCollector();
        var toOffererAudio = new FrameCollector();
        answerVideo.RemoteFrameSink = toAnswererVideo;
        answerAudio.RemoteFrameSink = toAnswererAudio;
        offerVideo.RemoteFrameSink = toOffererVideo;
        offerAudio.RemoteFrameSink = toOffererAudio;

        var video = FfmpegSamples.Vp8Frames;
        var audio = FfmpegSamples.OpusPackets;
        SendAll(offerVideo.Sender, answerVideo.Sender, video, CodecId.Vp8, 3000, 15);
        SendAll(offerAudio.Sender, answerAudio.Sender, audio, CodecId.Opus, 960, int.MaxValue);

        await toAnswererVideo.WaitForAsync(video.Count, PeerHarness.Timeout);
        await toOffererVideo.WaitForAsync(video.Count, PeerHarness.Timeout);
        await toAnswererAudio.WaitForAsync(audio.Count, PeerHarness.Timeout);
        await toOffererAudio.WaitForAsync(audio.Count, PeerHarness.Timeout);
        AssertSameFrames(video, toAnswererVideo.Frames, 3000);
        AssertSameFrames(video, toOffererVideo.Frames, 3000);
        AssertSameFrames(audio, toAnswererAudio.Frames, 960);
        AssertSameFrames(audio, toOffererAudio.Frames, 960);
        Assert.Equal(0, answerer.GetStats().Transport.SrtpAuthFailures);
    }

    private static void SendAll(IEncodedFrameSink a, IEncodedFrameSink b, IReadOnlyList<byte[]> frames, CodecId codec, int step, int gop)
    {
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = new EncodedFrame(codec, frames[i], (long)i * step, step, i % gop == 0);
            a.OnFrame(frame);
            b.OnFrame(frame);
        }
    }

    internal static void AssertSameFrames(IReadOnlyList<byte[]> sent, IReadOnlyList<EncodedFrame> received, int step)
    {
        Assert.Equal(sent.Count, received.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], received[i].Data.ToArray());
            Assert.Equal((long)i * step, received[i].Timestamp - received[0].Timestamp);
        }
    }
}
