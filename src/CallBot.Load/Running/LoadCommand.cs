using CallBot.Load.Driver;
using CallBot.Load.Planning;
using CallBot.Load.Progress;
using CallBot.Load.Reports;
using CallBot.Load.Scenario;

namespace CallBot.Load.Running;

/// <summary>
/// The bodies of <c>callbot load SCENARIO.yaml [--shard i/n] [-o DIR] [--dry-run]</c> and
/// <c>callbot report merge A.json B.json … -o DIR</c>, so the worker's CLI only parses arguments and supplies a driver.
/// Both write report.json and report.html into the output folder and return a process exit code (<see cref="LoadExitCodes"/>).
/// </summary>
public static class LoadCommand
{
    public const string ReportJson = "report.json";
    public const string ReportHtml = "report.html";

    /// <param name="driverFactory">Builds the driver for the validated scenario (the worker's real one; <see cref="DryRunDriver"/> for --dry-run).</param>
    public static async Task<int> RunAsync(
        string scenarioPath,
        Func<LoadedScenario, ILoadCallDriver> driverFactory,
        string outputDirectory,
        TextWriter output,
        string? shard = null,
        ILoadProgress? progress = null,
        bool paced = true,
        System.Diagnostics.Metrics.Meter? meter = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(driverFactory);
        ArgumentNullException.ThrowIfNull(output);
        var shardSpec = ShardSpec.Whole;
        if (shard is not null && !ShardSpec.TryParse(shard, out shardSpec))
        {
            await output.WriteLineAsync($"load: --shard '{shard}' is not i/n with 0 <= i < n");
            return LoadExitCodes.InvalidScenario;
        }

        LoadedScenario scenario;
        try
        {
            scenario = ScenarioLoader.LoadFile(scenarioPath);
        }
        catch (ScenarioException ex)
        {
            await output.WriteLineAsync($"load: {scenarioPath}: {ex.Message}");
            return LoadExitCodes.InvalidScenario;
        }
        catch (IOException ex)
        {
            await output.WriteLineAsync($"load: cannot read {scenarioPath}: {ex.Message}");
            return LoadExitCodes.InvalidScenario;
        }

        var driver = driverFactory(scenario);
        LoadRunResult result;
        try
        {
            var runner = new LoadRunner(scenario, driver, new LoadRunOptions { Shard = shardSpec, Paced = paced, Meter = meter }, progress ?? new PlainLoadProgress(output));
            result = await runner.RunAsync(cancellationToken);
        }
        finally
        {
            // A real driver holds logged-in bots: log them out before the process reports.
            if (driver is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        await WriteReportsAsync(result.Report, outputDirectory, cancellationToken);
        await output.WriteLineAsync($"load: wrote {Path.Combine(outputDirectory, ReportJson)} and {ReportHtml}");
        return result.ExitCode;
    }

    public static async Task<int> MergeAsync(IReadOnlyList<string> reportPaths, string outputDirectory, TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reportPaths);
        ArgumentNullException.ThrowIfNull(output);
        var reports = new List<LoadReport>();
        try
        {
            foreach (var path in reportPaths)
            {
                reports.Add(await LoadReportJson.ReadAsync(path, cancellationToken));
            }

            var merged = LoadReportMerger.Merge(reports);
            await WriteReportsAsync(merged, outputDirectory, cancellationToken);
            foreach (var line in LoadSummary.Lines(merged))
            {
                await output.WriteLineAsync(line);
            }

            return merged.Passed ? LoadExitCodes.Passed : LoadExitCodes.ThresholdsBreached;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or ArgumentException)
        {
            await output.WriteLineAsync($"report merge: {ex.Message}");
            return LoadExitCodes.Error;
        }
    }

    /// <summary>A driver that simulates calls without a network (plans and reports can be checked before a real run).</summary>
    public static ILoadCallDriver DryRunDriver(LoadedScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new DryRunCallDriver(new DryRunCallBehavior { AudioOnly = !scenario.Source.Media.SendsVideo, Fps = scenario.Source.Media.Video.Fps }, scenario.RingTimeout, seed: scenario.Source.Seed);
    }

    public static async Task WriteReportsAsync(LoadReport report, string outputDirectory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(outputDirectory);
        await LoadReportJson.WriteAsync(report, Path.Combine(outputDirectory, ReportJson), cancellationToken);
        await HtmlReportWriter.WriteAsync(report, Path.Combine(outputDirectory, ReportHtml), cancellationToken);
    }
}
