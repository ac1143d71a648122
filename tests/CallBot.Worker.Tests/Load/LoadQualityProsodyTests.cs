using System.Globalization;
using System.Text.Json;
using CallBot.Load.Metrics;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.TestSupport;
using CallBot.TestSupport.Prosody;
using CallBot.TestSupport.Quality;
using CallBot.Worker.Cli;
using CallBot.Worker.Tests.EndToEnd;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// Issue 17's quality measurements with real bots through a private Prosody, each group's network impaired in CallBot's
/// own socket layer: glass-to-glass delay against the clean group of the same run, the E-model MOS against an independent
/// transcription of G.107, a tagged threshold's breach, and a timed loss window's fps dip and recovery. Real-time
/// measurements: they run in the RunsAlone phase of scripts/test.sh, not beside the parallel suite.
/// </summary>
[Collection(RealWebRtcCollection.Name)]
[Trait("Category", "RunsAlone")]
public sealed class LoadQualityProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delay_mos_and_a_tagged_threshold_are_measured_per_group()
    {
        using var folder = new TempFolder();
        // Groups that receive through their own downlink: clean (2 users), 100 ms one-way (2), and one user with 5 % loss +
        // 150 ms (one user, so its group's aggregates are its own stream's: the E-model check below recomputes that stream).
        // The fps threshold on the lossy group cannot hold (30 fps are sent): the run must exit 99 and name it with its tag.
        var scenario = await WriteScenarioAsync(folder, firstUser: 4601, users: 6, concurrency: 3, holdSeconds: 8, callSeconds: 10,
            """
              call_success_rate: ["rate == 1"]
              "video_fps{group:lossy}": ["avg > 1000"]
            """,
            """
            groups:
              - { name: clean, share: 0.34 }
              - { name: delayed, share: 0.33, impairment: { downlink: { delay: 100ms } } }
              - { name: lossy, share: 0.17, impairment: { downlink: { loss: 0.05, delay: 150ms } } }
            """);

        var (exit, json, log, report) = await RunAsync(scenario, folder);

        // (d) The tagged threshold breached, named with its tag; the untagged one held.
        Assert.True(exit == LoadExitCodes.ThresholdsBreached, $"exit {exit}: {log}");
        using (var verdict = JsonDocument.Parse(json))
        {
            var breach = Assert.Single(verdict.RootElement.GetProperty("breaches").EnumerateArray());
            Assert.StartsWith("video_fps{group:lossy}: avg > 1000", breach.GetString(), StringComparison.Ordinal);
        }

        Assert.Contains(report.Thresholds, t => t.Metric == "call_success_rate" && t.Passed);
        var summary = Summary(report);
        TestContext.Current.TestOutputHelper?.WriteLine(summary);

        // (a) Glass-to-glass p50 of the delayed group = 100 ms + the clean group's p50, ±20 ms, for video and for audio.
        foreach (var metric in new[] { MetricCatalog.VideoDelayMs, MetricCatalog.AudioDelayMs })
        {
            var clean = Median(report, metric, "clean");
            var delayed = Median(report, metric, "delayed");
            Assert.True(Math.Abs(delayed - (100 + clean)) <= 20, $"{metric}: delayed p50 {delayed:0.#} vs clean {clean:0.#} + 100\n{summary}");
        }

        // (c) MOS on a clean link ≥ 4.2; with 5 % loss + 150 ms within ±0.2 of G.107 computed here (IndependentEModel, not
        // CallBot's EModel) from the network: the loss the lossy call measured (5 % imposed), 150 ms one way on top of the clean group's glass-to-glass
        // audio delay, a jitter buffer of 2 × the stream's jitter and Opus' 26.5 ms. The lossy stream's measured delay
        // must match the imposed one too: audio does not wait behind gaps for a NACK repair it never gets (no nack: MediaReceiveStream.ReorderGapWait).
        Assert.True(report.Metrics[Tagged(MetricCatalog.AudioMos, "clean")].Histogram!.Min >= 4.2, summary);
        var loss = Mean(report, MetricCatalog.AudioPacketLoss, "lossy");
        Assert.InRange(loss, 0.02, 0.09);
        var cleanAudioDelay = Median(report, MetricCatalog.AudioDelayMs, "clean");
        var lossyAudioDelay = Median(report, MetricCatalog.AudioDelayMs, "lossy");
        Assert.True(Math.Abs(lossyAudioDelay - (150 + cleanAudioDelay)) <= 20, $"lossy audio p50 {lossyAudioDelay:0.#} vs clean {cleanAudioDelay:0.#} + 150\n{summary}");
        var mouthToEar = 150 + cleanAudioDelay + (2 * Mean(report, MetricCatalog.AudioJitterMs, "lossy")) + 26.5;
        // The loss the call saw, not the 5 % imposed: one short call's random loss spreads around it (7.3 % in one CI run,
        // where G.107 at 5 % was 0.3 above the MOS of what the call really lost).
        var expected = IndependentEModel.Mos(IndependentEModel.Rating(mouthToEar, ppl: loss * 100, ie: 0, bpl: 25.1));
        var lossyMos = Median(report, MetricCatalog.AudioMos, "lossy");
        Assert.True(Math.Abs(lossyMos - expected) <= 0.2, $"lossy MOS {lossyMos:0.###} vs G.107 {expected:0.###} of the network (Ta {mouthToEar:0.#} ms, measured loss {loss:P1}, imposed 5 %)\n{summary}");

        // The receive path's other measures are there and plausible: ~30 fps on the clean group, more W3C freezes where
        // packets are lost, an A/V offset near 0 on clean links, concealed audio only where packets are lost.
        Assert.InRange(Mean(report, MetricCatalog.VideoFps, "clean"), 20, 33);
        Assert.True(report.Metrics[Tagged(MetricCatalog.VideoFreezes, "lossy")].Sum > report.Metrics[Tagged(MetricCatalog.VideoFreezes, "clean")].Sum, summary);
        Assert.Contains(Tagged(MetricCatalog.VideoPlayoutFreezes, "lossy"), report.Metrics.Keys); // the playout clock's count reaches the report
        Assert.True(Mean(report, MetricCatalog.AvOffsetMs, "clean") < 40, summary);
        Assert.True(Mean(report, MetricCatalog.AudioConcealedShare, "clean") < 0.01, summary);
        Assert.True(Mean(report, MetricCatalog.AudioConcealedShare, "lossy") > 0.02, summary);
    }

    [Fact]
    public async Task A_timed_loss_window_dips_fps_and_the_recovery_is_measured()
    {
        using var folder = new TempFolder();
        // The issue's window: 10 % loss from 20 s to 40 s of the run, in a 46 s call. The group's link has 50 ms each way
        // throughout, so a NACK takes a real round trip (on bare loopback it repairs 10 % loss within a frame interval
        // and fps does not move); the window adds the loss only.
        var scenario = await WriteScenarioAsync(folder, firstUser: 4701, users: 2, concurrency: 1, holdSeconds: 46, callSeconds: 46,
            """
              call_success_rate: ["rate == 1"]
            """,
            """
            groups:
              - name: mobile
                share: 1
                impairment: { uplink: { delay: 50ms }, downlink: { delay: 50ms } }
                timeline:
                  - { at: 20s, uplink: { delay: 50ms }, downlink: { delay: 50ms, loss: 0.1 } }
                  - { at: 40s, uplink: { delay: 50ms }, downlink: { delay: 50ms } }
            """);

        var (exit, _, log, report) = await RunAsync(scenario, folder);

        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {log}");
        var summary = Summary(report);
        TestContext.Current.TestOutputHelper?.WriteLine(summary);
        var fps = report.Windows.Where(w => w.VideoFps is not null).ToDictionary(w => (int)w.StartSeconds, w => w.VideoFps!.Value);
        var before = fps.Where(f => f.Key is >= 10 and < 20).Select(f => f.Value).ToList();
        var during = fps.Where(f => f.Key is >= 21 and < 40).Select(f => f.Value).ToList();
        Assert.True(before.Count > 0 && during.Count > 0, summary);
        Assert.True(during.Min() < 0.9 * before.Average(), $"fps before {string.Join(", ", before)}, during {string.Join(", ", during)}\n{summary}");
        // Both directions of the call crossed the window: each video stream measured how long fps took to come back.
        var recovery = report.Metrics[MetricCatalog.VideoRecoveryMs].Histogram!;
        Assert.True(recovery.Count == 2 && recovery.Max < 5000, summary);
        Assert.Equal(0, report.Metrics[MetricCatalog.VideoUnrecovered].Sum);
    }

    private static string Tagged(string metric, string group) => MetricCatalog.Tagged(metric, MetricCatalog.GroupTag, group);

    private static double Median(LoadReport report, string metric, string group) =>
        LogHistogram.FromData(report.Metrics[Tagged(metric, group)].Histogram!).Percentile(50);

    private static double Mean(LoadReport report, string metric, string group) =>
        LogHistogram.FromData(report.Metrics[Tagged(metric, group)].Histogram!).Mean;

    private static string Summary(LoadReport report) => string.Join('\n', report.Metrics
        .Where(m => m.Value.Summary is not null)
        .OrderBy(m => m.Key, StringComparer.Ordinal)
        .Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}: n={m.Value.Summary!.Count} avg={m.Value.Summary.Avg} med={m.Value.Summary.Med} max={m.Value.Summary.Max}")))
        + "\nfps: " + string.Join(' ', report.Windows.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.StartSeconds}:{w.VideoFps:0.#}")));

    private static Task<(int Exit, string Json, string Log, LoadReport Report)> RunAsync(string scenario, TempFolder folder) => ProsodyLoadRun.RunAsync(scenario, folder, Ct);

    private Task<string> WriteScenarioAsync(TempFolder folder, int firstUser, int users, int concurrency, int holdSeconds, int callSeconds, string thresholds, string groups) =>
        ProsodyLoadRun.WriteScenarioAsync(prosody, folder, firstUser, users, concurrency, holdSeconds, callSeconds, thresholds, Ct, calls: groups);
}
