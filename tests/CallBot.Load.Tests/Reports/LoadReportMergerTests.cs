using CallBot.Load.Metrics;
using CallBot.Load.Planning;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Tests.Running;

namespace CallBot.Load.Tests.Reports;

public sealed class LoadReportMergerTests
{
    [Fact]
    public async Task Report_json_round_trips()
    {
        var result = await LoadRunnerTests.RunDryAsync(TestScenarios.Pairs(thresholds: LoadRunnerTests.GoodThresholds));
        var json = LoadReportJson.Serialize(result.Report);
        Assert.Contains("\"call_setup_ms\"", json, StringComparison.Ordinal);
        Assert.Contains("\"scenario_hash\"", json, StringComparison.Ordinal);
        var back = LoadReportJson.Deserialize(json);
        Assert.Equal(json, LoadReportJson.Serialize(back));
        Assert.Throws<InvalidDataException>(() => LoadReportJson.Deserialize(json.Replace("\"schema\": 1", "\"schema\": 7", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Merged_shard_reports_equal_the_histograms_of_all_calls_and_rejudge_thresholds()
    {
        var scenario = TestScenarios.Pairs(users: 60, target: 12, thresholds: LoadRunnerTests.GoodThresholds);
        var shards = new List<LoadReport>();
        for (var i = 0; i < 3; i++)
        {
            // Shard 2 is slow: alone it breaches call_setup_ms, and the merged report must too.
            var behavior = i == 2 ? new Driver.DryRunCallBehavior { SetupMeanMs = 1500, SetupSpreadMs = 10 } : null;
            var shardResult = await LoadRunnerTests.RunDryAsync(scenario, behavior, new ShardSpec(i, 3));
            shards.Add(LoadReportJson.Deserialize(LoadReportJson.Serialize(shardResult.Report)));
        }

        var merged = LoadReportMerger.Merge(shards);
        Assert.Equal(["0/3", "1/3", "2/3"], merged.Shards.Select(s => s.ToString()));
        Assert.Equal(3, merged.Environments.Count);
        Assert.Equal(shards.Sum(s => s.Metrics[MetricCatalog.Calls].Sum), merged.Metrics[MetricCatalog.Calls].Sum);

        // Percentiles of the merged report come from all samples: equal to one histogram fed with every shard's data.
        var all = new LogHistogram();
        foreach (var shard in shards)
        {
            all.Add(LogHistogram.FromData(shard.Metrics[MetricCatalog.CallSetupMs].Histogram!));
        }

        Assert.Equal(Math.Round(all.Percentile(95), 4), merged.Metrics[MetricCatalog.CallSetupMs].Summary!.P95);
        var averaged = shards.Average(s => s.Metrics[MetricCatalog.CallSetupMs].Summary!.P95!.Value);
        Assert.NotEqual(averaged, merged.Metrics[MetricCatalog.CallSetupMs].Summary!.P95);
        Assert.False(merged.Passed);
        Assert.Contains(merged.Thresholds, t => t.Metric == "call_setup_ms" && t.Expression == "p(95) < 800" && !t.Passed);
        Assert.Equal(shards.Sum(s => s.Windows.Sum(w => w.Started)), merged.Windows.Sum(w => w.Started));
        // The hold stage: 12 calls in progress across the three shards.
        Assert.All(merged.Windows.Where(w => w.StartSeconds is >= 12 and < 28), w => Assert.InRange(w.ActiveCalls, 11, 12.01));
    }

    [Fact]
    public async Task Merge_command_writes_the_merged_reports_and_refuses_mixed_scenarios()
    {
        var folder = Path.Combine(Path.GetTempPath(), "callbot-merge-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var scenario = TestScenarios.Pairs(thresholds: LoadRunnerTests.GoodThresholds);
            var paths = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var result = await LoadRunnerTests.RunDryAsync(scenario, shard: new ShardSpec(i, 2));
                var path = Path.Combine(folder, $"shard{i}.json");
                await LoadReportJson.WriteAsync(result.Report, path, TestContext.Current.CancellationToken);
                paths.Add(path);
            }

            var output = new StringWriter();
            Assert.Equal(LoadExitCodes.Passed, await LoadCommand.MergeAsync(paths, Path.Combine(folder, "merged"), output, TestContext.Current.CancellationToken));
            var merged = await LoadReportJson.ReadAsync(Path.Combine(folder, "merged", LoadCommand.ReportJson), TestContext.Current.CancellationToken);
            Assert.Equal(2, merged.Shards.Count);
            Assert.True(File.Exists(Path.Combine(folder, "merged", LoadCommand.ReportHtml)));

            var other = await LoadRunnerTests.RunDryAsync(TestScenarios.Pairs(seed: 9));
            var otherPath = Path.Combine(folder, "other.json");
            await LoadReportJson.WriteAsync(other.Report, otherPath, TestContext.Current.CancellationToken);
            Assert.Equal(LoadExitCodes.Error, await LoadCommand.MergeAsync([paths[0], otherPath], Path.Combine(folder, "bad"), output, TestContext.Current.CancellationToken));
            Assert.Contains("different scenarios", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
