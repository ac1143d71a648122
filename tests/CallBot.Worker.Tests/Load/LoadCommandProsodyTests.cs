using System.Globalization;
using System.Text.Json;
using CallBot.Load.Driver;
using CallBot.Load.Planning;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Scenario;
using CallBot.TestSupport;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Cli;
using CallBot.Worker.Tests.EndToEnd;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// <c>callbot load</c> with real bots through a private Prosody: real chat logins, ConnectyCube signaling, ICE, DTLS, SRTP
/// and encoded media. A small scenario passes its thresholds; the same scenario with an impossible threshold exits 99
/// and names it. All but one run in single-port mode (the default); the breached-threshold run has a socket per connection.
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class LoadCommandProsodyTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Small_scenario_with_real_calls_passes_its_thresholds()
    {
        using var folder = new TempFolder("callbot-load-");
        var scenario = await WriteScenarioAsync(folder, firstUser: 4101, users: 4, concurrency: 2, holdSeconds: 10, callSeconds: 4,
            """
              call_success_rate: ["rate > 0.99"]
              call_setup_ms: ["p(95) < 20000"]
              frames_received_ratio: ["min > 0.5"]
              video_packet_loss: ["p(99) < 0.05"]
              freezes: ["count == 0"]
            """);

        var (exit, _, verdict, report) = await RunAsync(scenario, folder);

        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {verdict}");
        Assert.True(report.Metrics["calls"].Sum >= 2, verdict);
        Assert.Equal(report.Metrics["calls"].Sum, report.Metrics["call_success_rate"].Passes);
        // Real media flowed: each completed call reports audio and video streams both ways, with frames received.
        Assert.True(report.Metrics["frames_received_ratio"].Histogram!.Count >= 4 * report.Metrics["calls"].Sum, verdict);
        Assert.True(report.Metrics["chat_login_ms"].Histogram!.Count == 4, verdict);
        Assert.True(report.Metrics["first_frame_ms"].Histogram!.Count >= 2, verdict);
        Assert.True(report.Metrics["rtt_ms"].Histogram!.Count >= 2, "RTT from report blocks: " + verdict);
        Assert.Empty(report.Errors);
    }

    [Fact]
    public async Task Breached_threshold_exits_99_and_is_named()
    {
        using var folder = new TempFolder("callbot-load-");
        var scenario = await WriteScenarioAsync(folder, firstUser: 4201, users: 2, concurrency: 1, holdSeconds: 4, callSeconds: 3,
            """
              call_success_rate: ["rate > 0.99"]
              call_setup_ms: ["p(95) < 1"]
            """);

        // With a socket per connection (--own-sockets): the other tests here run on the shared ports, the default.
        var (exit, verdict, log, report) = await ProsodyLoadRun.RunAsync(scenario, folder, Ct, ownSockets: true);

        Assert.True(exit == LoadExitCodes.ThresholdsBreached, $"exit {exit}: {log}");
        using var json = JsonDocument.Parse(verdict);
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        var breach = Assert.Single(json.RootElement.GetProperty("breaches").EnumerateArray());
        Assert.Equal("call_setup_ms: p(95) < 1", breach.GetString());
        // Only the impossible threshold failed: the call itself went through.
        Assert.Contains(report.Thresholds, t => t.Metric == "call_success_rate" && t.Passed);
        Assert.True(report.Metrics["calls"].Sum >= 1);
    }

    [Fact]
    public async Task Audio_only_scenario_sends_audio_and_no_video()
    {
        using var folder = new TempFolder("callbot-load-");
        var scenario = await WriteScenarioAsync(folder, firstUser: 4301, users: 2, concurrency: 1, holdSeconds: 4, callSeconds: 3,
            """
              call_success_rate: ["rate > 0.99"]
              audio_packet_loss: ["p(99) < 0.05"]
              frames_received_ratio: ["min > 0.5"]
              freezes: ["count == 0"]
            """,
            media: "media: { video: none }");

        var (exit, _, verdict, report) = await RunAsync(scenario, folder);

        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {verdict}");
        var calls = report.Metrics["calls"].Sum;
        Assert.True(calls >= 1, verdict);
        // Both sides received audio; no side received a video frame (that would fail the call as unexpected-media-video).
        Assert.Empty(report.Errors);
        Assert.Equal((long)(2 * calls), report.Metrics["audio_packet_loss"].Histogram!.Count);
        Assert.Equal((long)(2 * calls), report.Metrics["frames_received_ratio"].Histogram!.Count);
        Assert.True(report.Metrics["frames_received_ratio"].Histogram!.Min > 0.5, verdict);
        Assert.Equal(0, report.Metrics["video_packet_loss"].Histogram!.Count);
        Assert.Equal(0, report.Metrics["video_jitter_ms"].Histogram!.Count);
        // The report says the video metrics were not measured rather than showing zeros.
        var html = await File.ReadAllTextAsync(Path.Combine(folder.Path, "out", LoadCommand.ReportHtml), Ct);
        Assert.Contains("<tr><td>video_packet_loss</td><td>0</td><td class=\"na\" colspan=\"7\">n/a (no samples)</td></tr>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_no_answers_recordings_and_an_impaired_group_go_through_real_bots()
    {
        using var folder = new TempFolder("callbot-load-");
        // Group "lossy" (users 4401, 4402) drops 5 % of what it receives in its own sockets; "clean" is unimpaired.
        var scenario = await WriteScenarioAsync(folder, firstUser: 4401, users: 4, concurrency: 2, holdSeconds: 12, callSeconds: 6,
            """
              call_success_rate: ["rate == 1"]
            """,
            calls: """
              reject_share: 0.25
              no_answer_share: 0.25
              record_share: 0.5
              ring_timeout: 2s
            groups:
              - { name: lossy, share: 0.5, impairment: { downlink: { loss: 0.05 } } }
              - { name: clean, share: 0.5 }
            """);
        var plan = LoadPlanner.Plan(ScenarioLoader.LoadFile(scenario), ShardSpec.Whole);
        Assert.Contains(plan.Calls, c => c.Expect == CallExpectation.Reject);
        Assert.Contains(plan.Calls, c => c.Expect == CallExpectation.NoAnswer);
        Assert.Contains(plan.Calls, c => c.Expect == CallExpectation.Answer && c.Record);

        var (exit, _, verdict, report) = await RunAsync(scenario, folder);

        // Every call ended the way the plan asked: rejected, unanswered after the ring timeout, or answered.
        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {verdict}");
        Assert.Equal(plan.Calls.Count, (int)report.Metrics["calls"].Sum);
        Assert.Equal(plan.Calls.Count(c => c.Expect == CallExpectation.Answer), (int)report.Metrics["call_setup_ms"].Histogram!.Count);
        // The lossy group's receivers measured the loss in their RTP statistics (audio: video gaps are repaired by NACK);
        // the clean ones did not invent any.
        Assert.True(report.Metrics["audio_packet_loss"].Histogram!.Max > 0.01, verdict);
        Assert.True(report.Metrics["audio_packet_loss"].Histogram!.Min < 0.01, verdict);
        // Recorded calls left a recording in OUT/recordings.
        var recordings = Path.Combine(folder.Path, "out", "recordings");
        Assert.True(Directory.Exists(recordings) && Directory.EnumerateFiles(recordings, "*", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0), verdict);
    }

    [Fact]
    public async Task Mesh_group_of_three_connects_the_caller_to_both_callees_with_media()
    {
        using var folder = new TempFolder("callbot-load-");
        var scenario = await WriteScenarioAsync(folder, firstUser: 4501, users: 3, concurrency: 1, holdSeconds: 4, callSeconds: 4,
            """
              call_success_rate: ["rate == 1"]
              frames_received_ratio: ["min > 0.3"]
            """,
            calls: "  group_size: 3",
            pattern: "mesh");

        var (exit, _, verdict, report) = await RunAsync(scenario, folder);

        Assert.True(exit == LoadExitCodes.Passed, $"exit {exit}: {verdict}");
        var calls = report.Metrics["calls"].Sum;
        Assert.True(calls >= 1, verdict);
        // Per call at least caller→callee and callee→caller for both callees, audio and video: 8 streams with frames.
        Assert.True(report.Metrics["frames_received_ratio"].Histogram!.Count >= 8 * calls, verdict);
        Assert.Equal((long)calls, report.Metrics["call_setup_ms"].Histogram!.Count);
    }

    private static Task<(int Exit, string Json, string Log, LoadReport Report)> RunAsync(string scenario, TempFolder folder) => ProsodyLoadRun.RunAsync(scenario, folder, Ct);

    private Task<string> WriteScenarioAsync(TempFolder folder, int firstUser, int users, int concurrency, int holdSeconds, int callSeconds, string thresholds,
        string media = ProsodyLoadRun.VideoMedia, string calls = "", string pattern = "pairs") =>
        ProsodyLoadRun.WriteScenarioAsync(prosody, folder, firstUser, users, concurrency, holdSeconds, callSeconds, thresholds, Ct, media, calls, pattern);
}
