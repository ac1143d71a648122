using CallBot.Abstractions;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Must-show 2: Chromium sends its fake camera (VP8, or H.264 negotiated alone) and microphone to CallBot. After Chromium's
/// tracks stop, CallBot's count of assembled complete frames must match Chromium's outbound-rtp framesEncoded (video) and
/// packetsSent (Opus: one frame per packet) within 2%, read together once both have stopped moving.
/// </summary>
public sealed class ChromiumSendsTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
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

        var (chrome, video, audio) = await ReadWhenSettledAsync(call);

        var encoded = chrome.Video["framesEncoded"];
        var audioPackets = chrome.Audio["packetsSent"];
        output.WriteLine($"{codec}: Chromium framesEncoded {encoded}, framesSent {chrome.Video["framesSent"]}; CallBot assembled {video} " +
            $"(keyframes {call.ReceivedVideo.KeyFrames}); Opus packetsSent {audioPackets}, CallBot assembled {audio}");
        Assert.Equal(codec, call.ReceivedVideo.Codec);
        Assert.Equal(CodecId.Opus, call.ReceivedAudio.Codec);
        Assert.InRange(video, encoded * (1 - Tolerance), encoded * (1 + Tolerance));
        Assert.InRange(audio, audioPackets * (1 - Tolerance), audioPackets * (1 + Tolerance));
        Assert.True(call.ReceivedVideo.KeyFrames >= 1);
        Assert.Equal(0, call.CallBot.GetStats().Transport.SrtpAuthFailures);
    }

    /// <summary>
    /// Reads Chromium's outbound stats and CallBot's counts together until two reads in a row agree (the stopped encoders'
    /// last frames have crossed the relay), or the timeout passes; returns the last read.
    /// </summary>
    private static async Task<(ChromiumStats Chrome, long Video, long Audio)> ReadWhenSettledAsync(ChromiumMediaCall call)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        (ChromiumStats Chrome, long Video, long Audio)? previous = null;
        while (true)
        {
            var chrome = await call.StatsAsync("outbound-rtp", "framesEncoded", "framesSent", "packetsSent");
            var read = (chrome, call.ReceivedVideo.Frames, call.ReceivedAudio.Frames);
            if (previous is { } p && p.Video == read.Item2 && p.Audio == read.Item3
                && p.Chrome.Video["framesEncoded"] == chrome.Video["framesEncoded"] && p.Chrome.Audio["packetsSent"] == chrome.Audio["packetsSent"])
            {
                return read;
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
