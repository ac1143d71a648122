using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Metrics;
using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Metrics;

public sealed class TaggedSeriesTests
{
    [Fact]
    public void Stream_metrics_are_tagged_by_the_receivers_group_and_call_metrics_by_the_callers()
    {
        var metrics = new LoadMetrics(TimeSpan.FromSeconds(1));
        var caller = new LoadUser(1, "bot-1", "pw", "wired");
        var callee = new LoadUser(2, "bot-2", "pw", "mobile");
        var intent = new CallIntent(0, 0, TimeSpan.Zero, caller, [callee], TimeSpan.FromSeconds(5), TimeSpan.Zero, CallExpectation.Answer, false);
        metrics.RecordCall(new CallResult
        {
            Intent = intent,
            Outcome = CallOutcome.Completed,
            Elapsed = TimeSpan.FromSeconds(5),
            IceConnectedAfter = TimeSpan.FromMilliseconds(300),
            Streams =
            [
                new StreamResult("bot-1", MediaKind.Video, 150, 150, 0, 0, 1, 2) { Group = "wired", Seconds = [new(1, 30, 180), new(2, 30, 180)] },
                new StreamResult("bot-2", MediaKind.Video, 150, 100, 0, 0, 1, 2) { Group = "mobile", VideoFreezes = 2, VideoPlayoutFreezes = 1, Seconds = [new(1, 20, 180), new(2, 10, 180)] },
            ],
        }, TimeSpan.Zero);

        var values = metrics.Snapshot();
        Assert.Equal(30, values["video_fps{group:wired}"].Histogram.Mean, 6);
        Assert.Equal(15, values["video_fps{group:mobile}"].Histogram.Mean, 6);
        Assert.Equal(2, values["video_fps{shape:pair}"].Histogram.Count);
        Assert.Equal(2, values["video_freezes{group:mobile}"].CounterSum);
        Assert.Equal(0, values["video_freezes{group:wired}"].CounterSum);
        Assert.Equal(1, values["video_playout_freezes{group:mobile}"].CounterSum);
        Assert.Equal(1, values["call_setup_ms{group:wired}"].Histogram.Count);
        Assert.False(values.ContainsKey("call_setup_ms{group:mobile}"));
        var windows = metrics.Windows();
        Assert.Equal(20, windows[1].VideoFps!.Value, 6); // the samples ending at 2 s: 30 and 10 fps
        Assert.Equal(10, windows[1].VideoFpsByGroup["mobile"], 6);
    }

    [Fact]
    public void A_threshold_on_a_tagged_series_is_judged_on_that_series_and_named_with_its_tag()
    {
        var scenario = TestScenarios.Load(Scenario.ScenarioLoaderTests.Minimal + """

            groups:
              - { name: mobile, share: 0.5 }
            thresholds:
              "video_fps{group:mobile}": ["avg > 20"]
              "video_fps{group:none}": ["avg > 20"]
            """);
        var values = new Dictionary<string, MetricValue>(StringComparer.Ordinal)
        {
            ["video_fps{group:mobile}"] = new(MetricKind.Trend),
            ["video_fps{group:none}"] = new(MetricKind.Trend),
        };
        values["video_fps{group:mobile}"].Record(12);
        values["video_fps{group:none}"].Record(30);

        var results = CallBot.Load.Thresholds.ThresholdEvaluator.Evaluate(values, scenario.Thresholds, 10);

        Assert.Equal("video_fps{group:mobile}: avg > 20 BREACHED (actual 12)", results.Single(r => !r.Passed).ToString());
        Assert.Single(results, r => r.Passed && r.Metric == "video_fps{group:none}");
    }

    [Theory]
    [InlineData("\"video_fps{group:desk}\"", "unknown group 'desk'")]
    [InlineData("\"video_fps{colour:red}\"", "unknown tag 'colour'")]
    [InlineData("\"video_fps{shape:mesh-2}\"", "unknown shape 'mesh-2'")]
    [InlineData("\"video_fps{group:}\"", "is not NAME or NAME{group:G}")]
    [InlineData("\"nope{group:mobile}\"", "unknown metric 'nope'")]
    public void Bad_tags_are_scenario_errors(string name, string message)
    {
        var (_, errors) = ScenarioLoader.Load(Scenario.ScenarioLoaderTests.Minimal + $$"""

            groups:
              - { name: mobile, share: 0.5 }
            thresholds:
              {{name}}: ["avg > 20"]
            """);

        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_receive_quality_metric_is_in_the_catalog_with_a_unit_and_a_description()
    {
        foreach (var (name, (unit, description)) in MetricCatalog.Descriptions)
        {
            Assert.True(MetricCatalog.Kinds.ContainsKey(name), name);
            Assert.False(string.IsNullOrWhiteSpace(unit) || string.IsNullOrWhiteSpace(description), name);
        }
    }
}
