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

    [Fact]
    public async Task H264_only_peers_negotiate_H264_and_deliver_access_units()
    {
        var options = PeerHarness.LoopbackOptions();
        await using var offerer = PeerHarness.Create(new PeerConnectionOptions
        {
            Ice = options.Ice, HostAddressFilter = options.HostAddressFilter, VideoCodecs = [CodecId.H264],
        });
        await using var answerer = PeerHarness.Create();
        var sending = offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendOnly);
        var receiving = answerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var received = new FrameCollector();
        receiving.RemoteFrameSink = received;
        PeerHarness.Trickle(offerer, answerer);
        PeerHarness.Trickle(answerer, offerer);
        var connected = PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(offerer, answerer);
        await connected;
        await PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected);

        Assert.Equal(CodecId.H264, sending.NegotiatedCodec);
        Assert.Equal(CodecId.H264, receiving.NegotiatedCodec);
        Assert.Equal(TransceiverDirection.RecvOnly, receiving.CurrentDirection);
        var units = FfmpegSamples.H264AccessUnits;
        for (var i = 0; i < units.Count; i++)
        {
            sending.Sender.OnFrame(new EncodedFrame(CodecId.H264, units[i], i * 3000L, 3000, i % 15 == 0));
        }

        await received.WaitForAsync(units.Count, PeerHarness.Timeout);
        Assert.All(received.Frames, f => Assert.Equal(CodecId.H264, f.Codec));
        Assert.True(received.Frames[0].IsKeyFrame);
        Assert.Equal(units.Count, received.Frames.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ice_restart_keeps_dtls_and_media_flowing(bool offererRestarts)
    {
        await using var offerer = PeerHarness.Create();
        await using var answerer = PeerHarness.Create();
        var sender = offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var receiver = answerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
        var received = new FrameCollector();
        receiver.RemoteFrameSink = received;
        PeerHarness.Trickle(offerer, answerer);
        PeerHarness.Trickle(answerer, offerer);
        var connected = PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected);
        await PeerHarness.NegotiateAsync(offerer, answerer);
        await connected;
        await PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected);
        var ufrag = offerer.IceAgent!.LocalCredentials.Ufrag;
        var frame = 0;
        void SendOne() => sender.Sender.OnFrame(new EncodedFrame(CodecId.Vp8, InMemoryPeers.SyntheticVp8KeyFrame(frame, 1500), frame++ * 3000L, 3000, true));
        SendOne();
        await received.WaitForAsync(1, PeerHarness.Timeout);

        var generation = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        answerer.IceAgent!.SelectedPairChanged += p =>
        {
            if (p.Generation >= 1)
            {
                generation.TrySetResult();
            }
        };
        if (offererRestarts)
        {
            await PeerHarness.NegotiateAsync(offerer, answerer, iceRestart: true);
        }
        else
        {
            await PeerHarness.NegotiateAsync(answerer, offerer, iceRestart: true);
        }

        // Media sent while the new generation checks still arrives (old pair), and after it is selected (new pair).
        SendOne();
        await received.WaitForAsync(2, PeerHarness.Timeout);
        await generation.Task.WaitAsync(PeerHarness.Timeout, TestContext.Current.CancellationToken);
        SendOne();
        await received.WaitForAsync(3, PeerHarness.Timeout);

        Assert.NotEqual(ufrag, offerer.IceAgent.LocalCredentials.Ufrag);
        Assert.Equal(PeerConnectionState.Connected, offerer.ConnectionState);
        Assert.Equal(PeerConnectionState.Connected, answerer.ConnectionState);
        Assert.Equal(0, answerer.GetStats().Transport.SrtpAuthFailures);
        // The side that answered the restart kept its DTLS role in the answer (offerer = server, answerer = client).
        if (offererRestarts)
        {
            Assert.Contains("a=setup:active", answerer.LocalDescription, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("a=setup:passive", offerer.LocalDescription, StringComparison.Ordinal);
        }
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
