using System.Diagnostics;
using CallBot.Load.Scenario;
using YamlDotNet.RepresentationModel;

namespace CallBot.Worker.Tests.Load;

/// <summary>The scale-out deployment files: the compose load file (checked by docker-compose itself) and the k8s StatefulSet.</summary>
public sealed class LoadDeployFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Load_compose_file_is_valid_and_runs_auto_shards()
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = RepoRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-f", "deploy/compose/load.yaml", "--profile", "merge", "config" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.True(process.ExitCode == 0, await stderr);
        var config = await stdout;
        Assert.Contains("- auto/4", config, StringComparison.Ordinal);
        Assert.Contains("- --shards", config, StringComparison.Ordinal);
        // The scenario the replicas run is valid and its pool is the one the `users` service registers.
        var scenario = ScenarioLoader.LoadFile(Path.Combine(RepoRoot, "docs/load/compose-pairs.yaml"));
        Assert.Equal(2001, scenario.Users[0].Id);
        Assert.Equal(2040, scenario.Users[^1].Id);
        Assert.Contains("LOAD_USERS_FROM: '2001'", config, StringComparison.Ordinal);
        Assert.Contains("LOAD_USERS_TO: '2040'", config, StringComparison.Ordinal);
        // The live view: replicas serve Prometheus on every interface; Prometheus and Grafana (provisioned) are services.
        Assert.Matches(@"- --prometheus\s+- http://0\.0\.0\.0:9464/", config);
        Assert.Contains("image: prom/prometheus:", config, StringComparison.Ordinal);
        Assert.Contains("image: grafana/grafana:", config, StringComparison.Ordinal);
        foreach (var mounted in new[] { "deploy/prometheus/prometheus.yml", "deploy/grafana/provisioning/datasources/prometheus.yaml", "deploy/grafana/provisioning/dashboards/callbot.yaml", GrafanaDashboard.RelativePath })
        {
            Assert.True(File.Exists(Path.Combine(RepoRoot, mounted)), mounted);
        }
    }

    [Fact]
    public async Task Grafana_dashboard_queries_the_provisioned_datasource_and_splits_every_panel_by_group()
    {
        using var dashboard = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepoRoot, GrafanaDashboard.RelativePath), Ct));
        var datasources = await File.ReadAllTextAsync(Path.Combine(RepoRoot, "deploy/grafana/provisioning/datasources/prometheus.yaml"), Ct);
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 10);
        foreach (var panel in panels)
        {
            var uid = panel.GetProperty("datasource").GetProperty("uid").GetString()!;
            Assert.Contains("uid: " + uid, datasources, StringComparison.Ordinal);
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        }

        // Every query of every panel selects callbot series of the chosen groups only.
        var queries = GrafanaDashboard.Queries(dashboard);
        Assert.All(queries.Where(q => q.Where.StartsWith("panel", StringComparison.Ordinal)), q => Assert.All(q.Selectors, s =>
        {
            Assert.StartsWith("callbot_load_", s.Metric, StringComparison.Ordinal);
            Assert.True(s.Labels.Contains("group"), $"{q.Where}: {s.Metric} is not filtered by $group");
        }));
        Assert.Contains(queries, q => q.Where == "variable $group");
        // The extractor itself: functions, grouping labels, strings and ranges are not metrics.
        Assert.Equal(
            [("callbot_load_call_setup_ms_bucket", "group,outcome")],
            GrafanaDashboard.Selectors("histogram_quantile(0.95, sum by (le, group) (rate(callbot_load_call_setup_ms_bucket{group=~\"$group\",outcome!=\"a{b}\"}[$__rate_interval])))")
                .Select(s => (s.Metric, string.Join(',', s.Labels.Order(StringComparer.Ordinal)))));
    }

    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    [Fact]
    public void K8s_statefulset_runs_one_shard_per_pod_with_shards_equal_to_replicas()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepoRoot, "deploy/k8s/load-statefulset.yaml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.Equal("StatefulSet", root["kind"].ToString());
        var spec = (YamlMappingNode)root["spec"];
        var replicas = spec["replicas"].ToString();
        Assert.Equal("Parallel", spec["podManagementPolicy"].ToString());
        var container = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)spec["template"])["spec"])["containers"])[0];
        var shards = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().Single(e => e["name"].ToString() == "SHARDS");
        Assert.Equal(replicas, shards["value"].ToString());
        var args = string.Join(' ', ((YamlSequenceNode)container["args"]).Select(a => a.ToString()));
        Assert.Contains("--shard \"${POD_NAME##*-}/${SHARDS}\"", args, StringComparison.Ordinal);
        // The live view: the shard serves its metrics on the port the pod declares and annotates for scraping.
        Assert.Contains("--prometheus http://0.0.0.0:9464/", args, StringComparison.Ordinal);
        var port = ((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>().Single();
        Assert.Equal("9464", port["containerPort"].ToString());
        var annotations = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)spec["template"])["metadata"])["annotations"];
        Assert.Equal("9464", annotations["prometheus.io/port"].ToString());
    }
}
