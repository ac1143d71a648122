using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Must-show 2: Chromium sends its fake camera (VP8, or H.264 negotiated alone) and microphone to CallBot. After Chromium's
/// tracks stop, CallBot's count of assembled complete frames must match Chromium's outbound-rtp framesEncoded (video) and
/// packetsSent (Opus: one frame per packet) within 2%, read together once both have stopped moving.
/// </summary>
[Collection(MediaPlaneChromiumCollection.Name)]
[Trait("Category", MediaPlaneChromiumCollection.RunsAlone)]
public sealed class ChromiumSendsTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const double Tolerance = 0.02;
    private const int VideoFramesBeforeStop = 120;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(CodecId.Vp8)]
    [InlineData(CodecId.H264)]
    public async Task CallBot_assembles_as_many_frames_as_chromium_encoded(CodecId codec)
    {
        await using var call = await ChromiumMediaCall.ConnectAsync(chromium, codec);
        Assert.Equal(codec, call.Video.NegotiatedCodec);
        await call.ReceivedVideo.WaitForFramesAsync(VideoFramesBeforeStop, Timeout);
        await call.StopChromiumTracksAsync();

        // Quiet for 750 ms: longer than CallBot's gap wait (540 ms here: it sends nothing, so has no RTT and assumes 100 ms;
        // NackGenerator.GapWait), so frames held behind a late or lost packet at the stop are out (or given up) before the count.
        var (chrome, video, audio) = await ReadWhenSettledAsync(call, quietReads: 3);

        var encoded = chrome.Video["framesEncoded"];
        var audioPackets = chrome.Audio["packetsSent"];
        var receiver = call.Video.ReceiveStream!.Receiver;
        output.WriteLine($"{codec}: Chromium framesEncoded {encoded}, framesSent {chrome.Video["framesSent"]}; CallBot assembled {video} " +
            $"(keyframes {call.ReceivedVideo.KeyFrames}; packets {receiver.PacketsReceived}, gaps given up {receiver.GapsAccepted}, skipped {receiver.GapsSkipped}, " +
            $"missing now {receiver.CumulativeLost}, gap wait {receiver.MaxGapWait.TotalMilliseconds:0} ms); Opus packetsSent {audioPackets}, CallBot assembled {audio}");
        Assert.Equal(codec, call.ReceivedVideo.Codec);
        Assert.Equal(CodecId.Opus, call.ReceivedAudio.Codec);
        Assert.InRange(video, encoded * (1 - Tolerance), encoded * (1 + Tolerance));
        Assert.InRange(audio, audioPackets * (1 - Tolerance), audioPackets * (1 + Tolerance));
        Assert.True(call.ReceivedVideo.KeyFrames >= 1);
        Assert.Equal(0, call.CallBot.GetStats().Transport.SrtpAuthFailures);
    }

    /// <summary>
    /// Must-show 3 against Chromium's NACK responder: 5% loss and 50 ms each way (RTT 100 ms) between Chromium's VP8 sender
    /// and CallBot; CallBot's NACKs bring back ≥ 99% of Chromium's video packets. "Sent" is the sequence-number span CallBot
    /// saw (RFC 3550 expected = received + lost): Chromium's packetsSent mixes in some of its retransmissions, so it is
    /// printed for reference only.
    /// </summary>
    [Fact]
    public async Task CallBot_nacks_recover_99_percent_of_chromium_video_at_5_percent_loss_and_100ms_rtt()
    {
        // NACK alone: with fec, Chromium's ULPFEC packets share the video's sequence numbers and are never retransmitted,
        // so a lost one stays lost in these counts (ChromiumFecTests covers that path).
        string[] withoutFec = [.. InterceptorRegistry.DefaultNames.Where(n => n != InterceptorRegistry.Fec)];
        await using var call = await ChromiumMediaCall.ConnectAsync(chromium, CodecId.Vp8, maxGapWait: TimeSpan.FromMilliseconds(400), interceptors: withoutFec);
        foreach (var direction in new[] { call.ToCallBot, call.ToChromium })
        {
            direction.LossRate = 0.05;
            direction.Delay = TimeSpan.FromMilliseconds(50);
        }

        await call.ReceivedVideo.WaitForFramesAsync(150, TimeSpan.FromSeconds(60));
        await call.StopChromiumTracksAsync();
        await ReadWhenSettledAsync(call, quietReads: 4);
        var chrome = await call.StatsAsync("outbound-rtp", "packetsSent", "retransmittedPacketsSent", "framesEncoded", "nackCount");

        var inbound = call.CallBot.GetStats().Inbound.Single(s => s.Kind == MediaKind.Video);
        var expected = inbound.PacketsReceived + inbound.PacketsLost;
        var recovery = (double)inbound.PacketsReceived / expected;
        var relay = call.ToCallBot.Counters;
        output.WriteLine($"Chromium video packetsSent {chrome.Video["packetsSent"]} (retransmittedPacketsSent {chrome.Video["retransmittedPacketsSent"]}, {chrome.Video["nackCount"]} NACKs received); " +
            $"CallBot unique received {inbound.PacketsReceived} of {expected} sequence numbers ({recovery:P2}), NACKs sent {inbound.NackCount}; relay lost {relay.DroppedLoss} of {relay.Received}; " +
            $"frames encoded {chrome.Video["framesEncoded"]}, assembled {call.ReceivedVideo.Frames}");
        Assert.True(relay.DroppedLoss >= relay.Received / 50, $"the relay lost only {relay.DroppedLoss} of {relay.Received}");
        Assert.True(chrome.Video["retransmittedPacketsSent"] > 0);
        Assert.True(recovery >= 0.99, $"recovered {recovery:P2}");
        // The last frame or two can stay incomplete: a lost packet after which Chromium sent nothing is never detected.
        Assert.True(call.ReceivedVideo.Frames >= chrome.Video["framesEncoded"] * 0.97);
    }

    /// <summary>
    /// Reads Chromium's outbound stats and CallBot's counts together until <paramref name="quietReads"/> + 1 reads in a row
    /// (250 ms apart) agree — the stopped encoders' last frames have crossed the relay and any NACK round for them is over —
    /// or the timeout passes; returns the last read.
    /// </summary>
    private static async Task<(ChromiumStats Chrome, long Video, long Audio)> ReadWhenSettledAsync(ChromiumMediaCall call, int quietReads = 1)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        (ChromiumStats Chrome, long Video, long Audio)? previous = null;
        var quiet = 0;
        while (true)
        {
            var chrome = await call.StatsAsync("outbound-rtp", "framesEncoded", "framesSent", "packetsSent");
            var read = (chrome, call.ReceivedVideo.Frames, call.ReceivedAudio.Frames);
            if (previous is { } p && p.Video == read.Item2 && p.Audio == read.Item3
                && p.Chrome.Video["framesEncoded"] == chrome.Video["framesEncoded"] && p.Chrome.Audio["packetsSent"] == chrome.Audio["packetsSent"])
            {
                if (++quiet >= quietReads)
                {
                    return read;
                }
            }
            else
            {
                quiet = 0;
            }

            if (TimeProvider.System.GetElapsedTime(deadline) > Timeout)
            {
                return read;
            }

            previous = read;

            // Stats are only worth re-reading after more packets could have landed: wait for Chromium's next stats tick.
            await call.Page.EvaluateAsync("() => new Promise(r => setTimeout(r, 250))");
        }
    }
}
