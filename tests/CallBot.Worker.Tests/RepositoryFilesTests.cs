using System.Diagnostics;
using CallBot.Worker.Options;

namespace CallBot.Worker.Tests;

/// <summary>README documents every configuration key with its default; docker-compose.yml is valid.</summary>
public sealed class RepositoryFilesTests
{
    private static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CallBot.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("CallBot.sln not found above the test directory.");
        }
    }

    [Fact]
    public void Readme_lists_every_config_key_with_its_default()
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "README.md"));
        var missing = new List<string>();
        foreach (var key in ConfigReference.Keys())
        {
            var row = Array.Find(lines, l => l.StartsWith($"| `{key.Key}` |", StringComparison.Ordinal));
            if (row is null || !row.Contains($"| `{key.Default}` |", StringComparison.Ordinal))
            {
                missing.Add($"| `{key.Key}` | {key.Type} | `{key.Default}` |");
            }
        }

        Assert.True(missing.Count == 0, "README.md lacks (or has another default for) these rows:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Config_reference_walks_nested_lists_and_reads_defaults()
    {
        var keys = ConfigReference.Keys();

        Assert.Contains(keys, k => k.Key == "CallBot:VideoChat:IceServers:N:Urls:N");
        Assert.Contains(keys, k => k.Key == "CallBot:Bots:N:UserId");
        Assert.Contains(keys, k => k.Key == "CallBot:VideoChat:AnswerTimeInterval" && k.Default == "60");
        Assert.Contains(keys, k => k.Key == "CallBot:Telemetry:ShutdownTimeout" && k.Default == "00:00:15");
    }

    [Fact]
    public async Task Docker_compose_config_is_valid()
    {
        var start = new ProcessStartInfo("docker-compose") { WorkingDirectory = RepoRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("config");
        start.ArgumentList.Add("-q");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
    }
}
