using CallBot.Abstractions;
using CallBot.Rtc.Interceptors;
using CallBot.TestSupport.Chromium;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Issue 15, must show c: Chromium sending to CallBot through the relay estimates the path from CallBot's transport-cc
/// feedback alone (REMB is disabled on CallBot, so nothing else could tell it): its candidate-pair
/// <c>availableOutgoingBitrate</c> falls under a bandwidth cap the relay applies toward CallBot.
/// </summary>
[Collection(MediaPlaneChromiumCollection.Name)]
[Trait("Category", MediaPlaneChromiumCollection.RunsAlone)]
public sealed class ChromiumTransportCcTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    private const int CapKbps = 250;

    private const string AvailableOutgoingJs = """
        async () => {
          const stats = await window.pc.getStats();
          let value = 0;
          stats.forEach(r => { if (r.type === 'candidate-pair' && r.nominated && r.availableOutgoingBitrate) value = r.availableOutgoingBitrate; });
          return value;
        }
        """;

    [Fact]
    public async Task Chromium_estimate_toward_callbot_follows_a_relay_cap_from_transport_cc_feedback()
    {
        string[] stages = [.. InterceptorRegistry.Names.Where(n => n != InterceptorRegistry.Remb)];
        await using var call = await ChromiumMediaCall.ConnectAsync(chromium, CodecId.Vp8, width: 640, height: 480, fps: 30, interceptors: stages);
        await call.ReceivedVideo.WaitForFramesAsync(10, TimeSpan.FromSeconds(30));

        await ElapseAsync(TimeSpan.FromSeconds(8));
        var uncapped = await call.Page.EvaluateAsync<double>(AvailableOutgoingJs) / 1000;

        call.ToCallBot.MaxQueueDelay = TimeSpan.FromMilliseconds(500);
        call.ToCallBot.BandwidthBitsPerSecond = CapKbps * 1000;
        await ElapseAsync(TimeSpan.FromSeconds(10));
        var capped = await call.Page.EvaluateAsync<double>(AvailableOutgoingJs) / 1000;

        output.WriteLine($"Chromium availableOutgoingBitrate toward CallBot: {uncapped:0} kbit/s uncapped, {capped:0} kbit/s 10 s after a {CapKbps} kbit/s cap; frames at CallBot {call.ReceivedVideo.Frames}");
        Assert.True(uncapped > 1.5 * CapKbps, $"uncapped estimate only {uncapped:0} kbit/s: the cap would prove nothing");
        Assert.InRange(capped, 1, CapKbps * 1.3);
    }

    // A measurement window, not synchronization: the assertions are on Chromium's estimate after it.
    private static async Task ElapseAsync(TimeSpan span)
    {
        using var timer = new PeriodicTimer(span);
        await timer.WaitForNextTickAsync(TestContext.Current.CancellationToken);
    }
}
