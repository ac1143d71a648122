using System.CommandLine;
using CallBot.Load.Running;
using CallBot.Worker.Load;

namespace CallBot.Worker.Cli;

/// <summary>
/// <c>callbot report merge DIR|report.json … --out DIR</c>: combines shard reports (histograms and counters add up) into
/// one report.json + report.html and judges the thresholds again; exit 99 when one is breached.
/// </summary>
internal static class ReportCliCommand
{
    public static Command Build()
    {
        var inputs = new Argument<string[]>("reports") { Description = "Shard report folders or report.json files.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder of the merged report.", Required = true };
        var merge = new Command("merge", "Merge shard reports into one.");
        var shards = new Option<int?>("--shards") { Description = "The inputs are one folder of --shard auto/N runs: merge its shard-0 … shard-(N-1) reports." };
        var wait = new Option<TimeSpan?>("--wait") { Description = "With --shards: wait up to this long (e.g. 02:00:00) for every shard's report." };
        merge.Arguments.Add(inputs);
        merge.Options.Add(output);
        merge.Options.Add(shards);
        merge.Options.Add(wait);
        merge.SetAction((parse, ct) =>
        {
            var outputDirectory = parse.GetValue(output)!.FullName;
            var folders = parse.GetValue(inputs) ?? [];
            return parse.GetValue(shards) is { } count
                ? MergeShardsAsync(folders, count, parse.GetValue(wait) ?? TimeSpan.Zero, outputDirectory, Console.Out, TimeProvider.System, ct)
                : MergeAsync(folders, outputDirectory, Console.Out, ct);
        });
        var report = new Command("report", "Work with load reports.");
        report.Subcommands.Add(merge);
        return report;
    }

    public static Task<int> MergeAsync(IReadOnlyList<string> inputs, string outputDirectory, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var paths = new List<string>(inputs.Count);
        foreach (var input in inputs)
        {
            paths.Add(Directory.Exists(input) ? Path.Combine(input, LoadCommand.ReportJson) : input);
        }

        return LoadCommand.MergeAsync(paths, outputDirectory, output, ct);
    }

    /// <summary>How often <see cref="MergeShardsAsync"/> looks for the shards' reports.</summary>
    public static readonly TimeSpan ShardPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Merges <c>FOLDER/shard-0 … shard-(N-1)</c> (the layout of <c>--shard auto/N</c>), first waiting up to
    /// <paramref name="wait"/> until each has finished: its report.html exists (written after report.json is complete).
    /// </summary>
    public static async Task<int> MergeShardsAsync(IReadOnlyList<string> inputs, int count, TimeSpan wait, string outputDirectory, TextWriter output, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        if (inputs.Count != 1 || count < 1)
        {
            await output.WriteLineAsync("report merge: --shards N takes one folder (the --out of the --shard auto/N runs) and N >= 1").ConfigureAwait(false);
            return LoadExitCodes.Error;
        }

        var folders = new List<string>(count);
        for (var k = 0; k < count; k++)
        {
            folders.Add(ShardClaims.ShardDirectory(inputs[0], k));
        }

        var deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        while (Missing(folders) is { } missing)
        {
            if (time.GetTimestamp() >= deadline)
            {
                await output.WriteLineAsync($"report merge: no finished report in {missing} after {wait}").ConfigureAwait(false);
                return LoadExitCodes.Error;
            }

            await Task.Delay(ShardPollInterval, time, ct).ConfigureAwait(false);
        }

        return await MergeAsync(folders, outputDirectory, output, ct).ConfigureAwait(false);
    }

    private static string? Missing(List<string> folders)
    {
        foreach (var folder in folders)
        {
            if (!File.Exists(Path.Combine(folder, LoadCommand.ReportHtml)))
            {
                return folder;
            }
        }

        return null;
    }
}
