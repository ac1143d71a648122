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
    }
}
