using System.CommandLine;
using System.Diagnostics.Metrics;
using System.Text.Json;
using CallBot.Load.Progress;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Scenario;
using CallBot.Worker.Load;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>What <c>callbot load</c> was asked to do.</summary>
internal sealed record LoadCliArguments(string Scenario, string OutputDirectory, string? Shard, bool Json, bool DryRun, string? ConfigFile, bool LoopbackCandidates, string? Prometheus = null, bool OwnSockets = false);

/// <summary>
/// <c>callbot load SCENARIO.yaml [--shard i/n|auto/n] [--out DIR] [--json] [--dry-run] [--own-sockets]</c>: runs the scenario
/// with real bots (<see cref="WorkerLoadCallDriver"/>; in single-port mode unless <c>--own-sockets</c>), writes report.json and report.html, exits 0 when every threshold held, 99 naming
/// each breach, 2 for an invalid scenario or configuration.
/// </summary>
internal static class LoadCliCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Command Build()
    {
        var scenario = new Argument<FileInfo>("scenario") { Description = "Scenario YAML (see docs/load/README.md)." };
        var shard = new Option<string?>("--shard")
        {
            Description = "Run shard i of n (i/n): its part of the user pool and of the load. auto/n claims the lowest free index in OUT/claims and reports to OUT/shard-i.",
        };
        var output = new Option<DirectoryInfo?>("--out", "-o") { Description = "Report folder (default: load-report)." };
        var json = new Option<bool>("--json") { Description = "Progress to stderr, one JSON verdict on stdout." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Simulate calls without a network (checks the plan and the report)." };
        var config = new Option<FileInfo?>("--config") { Description = "Extra JSON config file (same keys as appsettings.json)." };
        var loopback = new Option<bool>("--loopback-candidates") { Description = "Only loopback ICE candidates (every bot and the chat server on this host)." };
        var prometheus = new Option<string?>("--prometheus")
        {
            Description = "Serve the run's metrics live for Prometheus at URL/metrics, e.g. http://127.0.0.1:9464/ (http://0.0.0.0:9464/: every interface, for containers). Sets CallBot:Telemetry:PrometheusPrefix.",
        };
        var ownSockets = new Option<bool>("--own-sockets")
        {
            Description = "A UDP socket per peer connection, as before single-port mode (default: a few shared ports for all bots, see docs/load/README.md).",
        };
        var command = new Command("load", "Run a load scenario with real bots; exit 99 when a threshold is breached.");
        command.Arguments.Add(scenario);
        foreach (var option in new Option[] { shard, output, json, dryRun, config, loopback, prometheus, ownSockets })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => RunAsync(
            new LoadCliArguments(
                parse.GetValue(scenario)!.FullName,
                parse.GetValue(output)?.FullName ?? Path.GetFullPath("load-report"),
                parse.GetValue(shard),
                parse.GetValue(json),
                parse.GetValue(dryRun),
                parse.GetValue(config)?.FullName,
                parse.GetValue(loopback),
                parse.GetValue(prometheus),
                parse.GetValue(ownSockets)),
            Console.Out,
            Console.Error,
            ct));
        return command;
    }

    public static async Task<int> RunAsync(LoadCliArguments args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var progressWriter = args.Json ? stderr : stdout;
        if (ShardClaims.TryParseAuto(args.Shard, out var shardCount))
        {
            if (!TryLoad(args.Scenario, out _))
            {
                // Report the scenario's errors (below) without taking an index.
                args = args with { Shard = null };
            }
            else if (ShardClaims.TryClaim(args.OutputDirectory, shardCount, ShardClaims.DefaultClaimant, out var claimed))
            {
                args = args with { Shard = claimed.ToString(), OutputDirectory = ShardClaims.ShardDirectory(args.OutputDirectory, claimed.Index) };
                await progressWriter.WriteLineAsync($"load: claimed shard {claimed} (report in {args.OutputDirectory})").ConfigureAwait(false);
            }
            else
            {
                await stderr.WriteLineAsync($"load: all {shardCount} shards in {Path.Combine(args.OutputDirectory, ShardClaims.ClaimsFolder)} are claimed (a finished run's folder? start from an empty --out)")
                    .ConfigureAwait(false);
                return LoadExitCodes.Error;
            }
        }

        ILoadProgress progress = args.Json ? new PlainLoadProgress(stderr) : SpectreLoadProgress.ForConsole(plain: stdout == Console.Out ? null : stdout);
        int exit;
        if (args.DryRun || !TryLoad(args.Scenario, out var scenario))
        {
            // Invalid scenarios are reported (every error with its line) by LoadCommand itself.
            exit = await LoadCommand.RunAsync(args.Scenario, LoadCommand.DryRunDriver, args.OutputDirectory, progressWriter, args.Shard, progress, cancellationToken: ct).ConfigureAwait(false);
        }
        else
        {
            CliHost host;
            try
            {
                var settings = LoadHostSettings.From(scenario, args.OutputDirectory, args.LoopbackCandidates);
                if (args.Prometheus is not null)
                {
                    // Validated with the other options at start (CallBotOptionsValidator): a bad URL exits 2 naming the key.
                    settings["CallBot:Telemetry:PrometheusPrefix"] = args.Prometheus;
                }

                host = await CliHost.StartAsync(settings, args.ConfigFile, LogLevel.Warning, ct).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                await stderr.WriteLineAsync("load: " + string.Join(Environment.NewLine, ex.Failures)).ConfigureAwait(false);
                return LoadExitCodes.InvalidScenario;
            }

            await using (host.ConfigureAwait(false))
            {
                using var meter = host.Services.GetRequiredService<IMeterFactory>().Create(CallBotTelemetry.Name);
                exit = await LoadCommand.RunAsync(args.Scenario, s => new WorkerLoadCallDriver(s, host.Services, singlePort: !args.OwnSockets), args.OutputDirectory, progressWriter, args.Shard, progress,
                    meter: meter, cancellationToken: ct).ConfigureAwait(false);
            }
        }

        if (args.Json)
        {
            await WriteVerdictAsync(exit, args.OutputDirectory, stdout, ct).ConfigureAwait(false);
        }

        return exit;
    }

    /// <summary>The JSON verdict: exit code, pass/fail, each breach by name, and where the reports are.</summary>
    internal static async Task WriteVerdictAsync(int exit, string outputDirectory, TextWriter stdout, CancellationToken ct)
    {
        var reportPath = Path.Combine(outputDirectory, LoadCommand.ReportJson);
        LoadReport? report = File.Exists(reportPath) ? await LoadReportJson.ReadAsync(reportPath, ct).ConfigureAwait(false) : null;
        var verdict = new
        {
            exitCode = exit,
            passed = exit == LoadExitCodes.Passed,
            breaches = report is null ? [] : LoadSummary.Breaches(report),
            report = report is null ? null : reportPath,
            html = report is null ? null : Path.Combine(outputDirectory, LoadCommand.ReportHtml),
            calls = report?.Metrics.TryGetValue("calls", out var calls) == true ? calls.Sum : 0,
            errors = report?.Errors ?? [],
        };
        await stdout.WriteLineAsync(JsonSerializer.Serialize(verdict, JsonOptions)).ConfigureAwait(false);
    }

    private static bool TryLoad(string path, out LoadedScenario scenario)
    {
        try
        {
            scenario = ScenarioLoader.LoadFile(path);
            return true;
        }
        catch (Exception ex) when (ex is ScenarioException or IOException)
        {
            scenario = null!;
            return false;
        }
    }
}
