using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Scenario;

public sealed class GroupTimelineTests
{
    private const string Groups = """
        groups:
          - name: mobile
            share: 0.5
            preset: 4g
            timeline:
              - { at: 20s, preset: lossy-10 }
              - { at: 40s, uplink: { delay: 100ms }, downlink: { loss: 0.01 } }
              - { at: 60s, preset: clean }
          - name: wired
            share: 0.5
            impairment: { downlink: { delay: 30ms } }
        """;

    [Fact]
    public void A_preset_sets_the_start_and_each_timeline_step_replaces_the_whole_network_from_its_time()
    {
        var scenario = TestScenarios.Load(ScenarioLoaderTests.Minimal + "\n" + Groups);
        var mobile = scenario.Groups[0];
        Assert.Equal(5000, mobile.Uplink!.BandwidthKbps);
        Assert.Equal(TimeSpan.FromMilliseconds(40), mobile.Downlink!.Delay);
        Assert.Equal([TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(60)], mobile.Timeline.Select(s => s.At));
        Assert.Equal(0.10, mobile.Timeline[0].Uplink!.Loss);
        Assert.Equal(0.10, mobile.Timeline[0].Downlink!.Loss);
        Assert.Equal(TimeSpan.FromMilliseconds(100), mobile.Timeline[1].Uplink!.Delay);
        Assert.Equal(0.01, mobile.Timeline[1].Downlink!.Loss);
        Assert.Null(mobile.Timeline[2].Uplink);
        Assert.Null(mobile.Timeline[2].Downlink);
        Assert.Empty(scenario.Groups[1].Timeline);
        Assert.Equal(TimeSpan.FromMilliseconds(30), scenario.Groups[1].Downlink!.Delay);
    }

    [Theory]
    [InlineData("3g", 750, 1600)]
    [InlineData("4g", 5000, 12000)]
    public void Mobile_presets_cap_each_direction(string preset, int upKbps, int downKbps)
    {
        Assert.True(ImpairmentPresets.TryGet(preset, out var links));
        Assert.Equal(upKbps, links.Uplink!.BandwidthKbps);
        Assert.Equal(downKbps, links.Downlink!.BandwidthKbps);
    }

    [Fact]
    public void Bad_presets_and_steps_out_of_order_are_errors_with_their_path_and_line()
    {
        var (scenario, errors) = ScenarioLoader.Load(ScenarioLoaderTests.Minimal + """

            groups:
              - name: g
                share: 1
                preset: 5g
                timeline:
                  - { at: 30s, preset: lossy-5 }
                  - { at: 10s, preset: lossy-10, uplink: { loss: 0.1 } }
            """);
        Assert.True(scenario is null, "loaded");
        Assert.True(errors.Count == 3, string.Join("\n", errors));
        Assert.Contains(errors, e => e.Path == "groups[0].preset" && e.Message.Contains("unknown preset '5g'", StringComparison.Ordinal) && e.Line == 11);
        Assert.Contains(errors, e => e.Path == "groups[0].timeline[1].at" && e.Message.Contains("after the previous step", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "groups[0].timeline[1].preset" && e.Message.Contains("not both", StringComparison.Ordinal));
    }
}
