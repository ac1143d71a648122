using CallBot.Abstractions;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Must-show 4: CallBot's <see cref="RtcPeerConnection.SetMaxBandwidth"/>(256) during a call caps what Chromium sends
/// (REMB, which Chromium's sender obeys when goog-remb is negotiated), measured by Chromium's own outbound-rtp bytesSent
/// over 5 s after settling, and becomes CallBot's own send target (what the media source's ladder picks a rung from).
/// The uncapped window first shows Chromium would send more, so the cap is what brings it under 256 kbit/s.
/// </summary>
[Collection(MediaPlaneChromiumCollection.Name)]
[Trait("Category", MediaPlaneChromiumCollection.RunsAlone)]
public sealed class ChromiumBandwidthTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int CapKbps = 256;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RampUp = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Max_bandwidth_256_brings_chromium_video_under_256_kbps_and_sets_callbot_target()
    {
        await using var call = await ChromiumMediaCall.ConnectAsync(chromium, CodecId.Vp8, width: 640, height: 480, fps: 30);
        await call.ReceivedVideo.WaitForFramesAsync(10, TimeSpan.FromSeconds(30));
        Assert.Equal(0, call.Video.TargetBitrateKbps);

        await ElapseAsync(RampUp);
        var uncapped = await VideoKbpsOverAsync(call);

        call.CallBot.SetMaxBandwidth(CapKbps);
        Assert.Equal(CapKbps, call.Video.TargetBitrateKbps);
        Assert.Equal(CapKbps, call.CallBot.GetStats().Outbound.Single(s => s.Kind == MediaKind.Video).TargetBitrateKbps);
        await ElapseAsync(Settle);
        var capped = await VideoKbpsOverAsync(call);
        var target = await call.StatsAsync("outbound-rtp", "targetBitrate");

        output.WriteLine($"Chromium video uncapped {uncapped:0} kbit/s; with maxBandwidth {CapKbps}: {capped:0} kbit/s " +
            $"(its targetBitrate {target.Video["targetBitrate"] / 1000:0} kbit/s); CallBot frames assembled {call.ReceivedVideo.Frames}");
        Assert.True(uncapped > CapKbps, $"uncapped Chromium sent only {uncapped:0} kbit/s: the cap would prove nothing");
        Assert.True(capped < CapKbps, $"capped Chromium still sent {capped:0} kbit/s");
        Assert.True(capped > 0);
    }

    /// <summary>Chromium's video bitrate from its own bytesSent over <see cref="Window"/>.</summary>
    private static async Task<double> VideoKbpsOverAsync(ChromiumMediaCall call)
    {
        var before = await call.StatsAsync("outbound-rtp", "bytesSent", "timestamp");
        await ElapseAsync(Window);
        var after = await call.StatsAsync("outbound-rtp", "bytesSent", "timestamp");
        var seconds = (after.Video["timestamp"] - before.Video["timestamp"]) / 1000;
        return (after.Video["bytesSent"] - before.Video["bytesSent"]) * 8 / 1000 / seconds;
    }

    // A measurement window, not synchronization: the assertions are on Chromium's byte counters over it.
    private static async Task ElapseAsync(TimeSpan span)
    {
        using var timer = new PeriodicTimer(span);
        await timer.WaitForNextTickAsync(TestContext.Current.CancellationToken);
    }
}
