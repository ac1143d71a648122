using CallBot.Load.Planning;
using CallBot.Load.Reports;
using CallBot.Load.Tests.Running;

namespace CallBot.Load.Tests.Reports;

/// <summary>The report's split by group: every call counted in exactly one group, kept by JSON and by a shard merge.</summary>
public sealed class GroupedReportTests
{
    private const string Groups = """
        groups:
          - { name: mobile, share: 0.25, preset: 3g }
          - { name: wifi, share: 0.25 }
        """;

    [Fact]
    public async Task Groups_partition_the_calls_and_survive_json_and_a_shard_merge()
    {
        var scenario = TestScenarios.Pairs(extra: Groups);
        var whole = (await LoadRunnerTests.RunDryAsync(scenario)).Report;

        // Half of the pool is in no group: its callers count in "none".
        Assert.Equal(["mobile", "none", "wifi"], whole.Groups.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(whole.Metrics["calls"].Sum, whole.Groups.Values.Sum(g => g["calls"].Sum));
        Assert.Equal(whole.Metrics["call_setup_ms"].Histogram!.Count, whole.Groups.Values.Sum(g => g["call_setup_ms"].Histogram!.Count));
        Assert.All(whole.Groups.Values, g => Assert.True(g["calls"].Sum > 0 && g["calls"].Summary!.Count == (long)g["calls"].Sum));
        Assert.Equal(["mobile", "wifi", "none"], LoadCharts.GroupsOf(whole));

        var roundTrip = LoadReportJson.Deserialize(LoadReportJson.Serialize(whole));
        Assert.Equal(whole.Groups["mobile"]["calls"].Sum, roundTrip.Groups["mobile"]["calls"].Sum);

        var shards = new List<LoadReport>();
        for (var i = 0; i < 2; i++)
        {
            shards.Add((await LoadRunnerTests.RunDryAsync(scenario, shard: new ShardSpec(i, 2))).Report);
        }

        var merged = LoadReportMerger.Merge(shards);
        foreach (var group in merged.Groups.Keys)
        {
            Assert.Equal(shards.Sum(s => s.Groups.GetValueOrDefault(group)?["calls"].Sum ?? 0), merged.Groups[group]["calls"].Sum);
            Assert.Equal(shards.Sum(s => s.Groups.GetValueOrDefault(group)?["call_setup_ms"].Histogram!.Count ?? 0), merged.Groups[group]["call_setup_ms"].Histogram!.Count);
        }

        Assert.Equal(merged.Metrics["calls"].Sum, merged.Groups.Values.Sum(g => g["calls"].Sum));
    }

    [Fact]
    public async Task A_run_without_groups_has_no_group_section()
    {
        var report = (await LoadRunnerTests.RunDryAsync(TestScenarios.Pairs())).Report;

        Assert.Equal(["none"], report.Groups.Keys);
        Assert.Empty(LoadCharts.GroupsOf(report));
        Assert.Empty(LoadCharts.RenderGroups(report));
        Assert.DoesNotContain("id=\"groups\"", HtmlReportWriter.Render(report), StringComparison.Ordinal);
    }
}
