using System.CommandLine;
using CallBot.Load.Running;

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
        merge.Arguments.Add(inputs);
        merge.Options.Add(output);
        merge.SetAction((parse, ct) => MergeAsync(parse.GetValue(inputs) ?? [], parse.GetValue(output)!.FullName, Console.Out, ct));
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
}
