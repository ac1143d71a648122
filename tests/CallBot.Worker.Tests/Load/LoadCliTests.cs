using CallBot.Load.Reports;
using CallBot.Load.Running;

namespace CallBot.Worker.Tests.Load;

/// <summary>The <c>load</c> and <c>report merge</c> commands as parsed by the CLI, without a network (dry run).</summary>
public sealed class LoadCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sharded_dry_runs_merge_into_one_report_of_both_shards()
    {
        var root = Directory.CreateTempSubdirectory("callbot-loadcli-").FullName;
        try
        {
            var scenario = Path.Combine(root, "scenario.yaml");
            await File.WriteAllTextAsync(scenario, """
                name: cli-dry
                seed: 5
                chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
                users:
                  range: { from: 1, to: 20, login: "bot-{id}", password: "pw-{id}" }
                calls:
                  duration: { fixed: 2s }
                load:
                  stages:
                    - { duration: 2s, target: 4 }
                    - { duration: 2s, target: 4 }
                thresholds:
                  call_success_rate: ["rate > 0.99"]
                """, Ct);

            foreach (var shard in new[] { "0/2", "1/2" })
            {
                var exit = await CallBotCli.Build().Parse(["load", scenario, "--dry-run", "--shard", shard, "--out", Path.Combine(root, "s" + shard[0])]).InvokeAsync(cancellationToken: Ct);
                Assert.Equal(LoadExitCodes.Passed, exit);
            }

            var merged = Path.Combine(root, "merged");
            var mergeExit = await CallBotCli.Build().Parse(["report", "merge", Path.Combine(root, "s0"), Path.Combine(root, "s1", "report.json"), "--out", merged])
                .InvokeAsync(cancellationToken: Ct);

            Assert.Equal(LoadExitCodes.Passed, mergeExit);
            var report = await LoadReportJson.ReadAsync(Path.Combine(merged, "report.json"), Ct);
            Assert.Equal(["0/2", "1/2"], report.Shards.Select(s => s.ToString()).Order());
            var s0 = await LoadReportJson.ReadAsync(Path.Combine(root, "s0", "report.json"), Ct);
            var s1 = await LoadReportJson.ReadAsync(Path.Combine(root, "s1", "report.json"), Ct);
            Assert.Equal(s0.Metrics["calls"].Sum + s1.Metrics["calls"].Sum, report.Metrics["calls"].Sum);
            Assert.True(File.Exists(Path.Combine(merged, "report.html")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Invalid_scenario_exits_2_and_merge_of_a_missing_report_exits_1()
    {
        var root = Directory.CreateTempSubdirectory("callbot-loadcli-").FullName;
        try
        {
            var scenario = Path.Combine(root, "bad.yaml");
            await File.WriteAllTextAsync(scenario, "name: bad\ncalls: { pattern: triangles }\n", Ct);
            Assert.Equal(LoadExitCodes.InvalidScenario, await CallBotCli.Build().Parse(["load", scenario, "--out", Path.Combine(root, "o")]).InvokeAsync(cancellationToken: Ct));
            Assert.Equal(LoadExitCodes.Error, await CallBotCli.Build().Parse(["report", "merge", Path.Combine(root, "nowhere"), "--out", Path.Combine(root, "m")]).InvokeAsync(cancellationToken: Ct));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
