using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Worker.Cli;
using CallBot.Worker.Load;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// <c>--shard auto/N</c>: replicas without an index (compose <c>--scale</c>) claim 0..N-1 each exactly once through
/// O_EXCL files in a shared folder; <c>report merge OUT --shards N --wait</c> waits for their reports and merges them.
/// </summary>
public sealed class ShardClaimsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("auto/4", true, 4)]
    [InlineData("auto/1", true, 1)]
    [InlineData("auto/0", false, 0)]
    [InlineData("auto/", false, 0)]
    [InlineData("auto/-2", false, 0)]
    [InlineData("1/4", false, 0)]
    [InlineData(null, false, 0)]
    public void Auto_shard_syntax(string? text, bool parsed, int count)
    {
        Assert.Equal(parsed, ShardClaims.TryParseAuto(text, out var actual));
        Assert.Equal(count, parsed ? actual : count);
    }

    [Fact]
    public async Task Parallel_claimants_get_each_index_once_and_a_restarted_one_gets_its_own_back()
    {
        var root = Directory.CreateTempSubdirectory("callbot-claims-").FullName;
        try
        {
            for (var round = 0; round < 20; round++)
            {
                var folder = Path.Combine(root, round.ToString(CultureInfo.InvariantCulture));
                using var start = new Barrier(4);
                var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
                {
                    start.SignalAndWait(Ct);
                    Assert.True(ShardClaims.TryClaim(folder, 4, "replica-" + i, out var shard));
                    return shard;
                }, Ct)));

                Assert.Equal([0, 1, 2, 3], claims.Select(c => c.Index).Order());
                Assert.All(claims, c => Assert.Equal(4, c.Count));
                // A fifth replica finds nothing free; replica 2, restarted, takes its own index back.
                Assert.False(ShardClaims.TryClaim(folder, 4, "replica-4", out _));
                Assert.True(ShardClaims.TryClaim(folder, 4, "replica-2", out var again));
                Assert.Equal(claims[2], again);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Four_processes_with_auto_shards_write_shard_0_to_3_and_the_waiting_merge_combines_them()
    {
        var root = Directory.CreateTempSubdirectory("callbot-autoshard-").FullName;
        try
        {
            var scenario = Path.Combine(root, "scenario.yaml");
            await File.WriteAllTextAsync(scenario, """
                name: auto-shards
                seed: 3
                chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
                users:
                  range: { from: 1, to: 40, login: "bot-{id}", password: "pw-{id}" }
                calls:
                  duration: { fixed: 1s }
                load:
                  stages:
                    - { duration: 2s, target: 8 }
                thresholds:
                  call_success_rate: ["rate > 0.5"]
                """, Ct);
            var output = Path.Combine(root, "reports");
            var merged = Path.Combine(root, "merged");
            using var mergeLog = new StringWriter(CultureInfo.InvariantCulture);
            // The merge starts first, as compose's merge service may: it waits for the four reports.
            var merge = ReportCliCommand.MergeShardsAsync([output], 4, Timeout, merged, mergeLog, TimeProvider.System, Ct);

            var processes = Enumerable.Range(0, 4).Select(_ => StartLoad(scenario, output)).ToArray();
            var verdicts = await Task.WhenAll(processes.Select(async p =>
            {
                var stdout = p.StandardOutput.ReadToEndAsync(Ct);
                var stderr = p.StandardError.ReadToEndAsync(Ct);
                await p.WaitForExitAsync(Ct).WaitAsync(Timeout, Ct);
                Assert.True(p.ExitCode == LoadExitCodes.Passed, $"exit {p.ExitCode}: {await stdout}\n{await stderr}");
                using var json = JsonDocument.Parse(await stdout);
                return json.RootElement.GetProperty("report").GetString()!;
            }));

            Assert.Equal(
                Enumerable.Range(0, 4).Select(k => Path.Combine(output, $"shard-{k}", "report.json")),
                verdicts.Order(StringComparer.Ordinal));
            Assert.Equal(LoadExitCodes.Passed, await merge.WaitAsync(Timeout, Ct));
            var report = await LoadReportJson.ReadAsync(Path.Combine(merged, LoadCommand.ReportJson), Ct);
            Assert.Equal(["0/4", "1/4", "2/4", "3/4"], report.Shards.Select(s => s.ToString()).Order());
            double calls = 0;
            for (var k = 0; k < 4; k++)
            {
                var shard = await LoadReportJson.ReadAsync(Path.Combine(output, $"shard-{k}", LoadCommand.ReportJson), Ct);
                Assert.Equal($"{k}/4", Assert.Single(shard.Shards).ToString());
                calls += shard.Metrics["calls"].Sum;
            }

            Assert.True(calls > 0);
            Assert.Equal(calls, report.Metrics["calls"].Sum);
            foreach (var p in processes)
            {
                p.Dispose();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Merge_of_shards_that_never_report_gives_up_after_the_wait()
    {
        var root = Directory.CreateTempSubdirectory("callbot-autoshard-").FullName;
        try
        {
            using var log = new StringWriter(CultureInfo.InvariantCulture);
            var exit = await ReportCliCommand.MergeShardsAsync([root], 2, TimeSpan.Zero, Path.Combine(root, "m"), log, TimeProvider.System, Ct);

            Assert.Equal(LoadExitCodes.Error, exit);
            Assert.Contains("shard-0", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Process StartLoad(string scenario, string output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "callbot.dll"), "load", scenario, "--dry-run", "--shard", "auto/4", "--out", output, "--json" })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }
}
