using CallBot.Load.Driver;
using CallBot.Load.Metrics;
using CallBot.Load.Planning;
using CallBot.Load.Progress;
using CallBot.Load.Reports;
using CallBot.Load.Running;
using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Running;

public sealed class LoadRunnerTests
{
    internal const string GoodThresholds = """
          call_setup_ms: ["p(95) < 800", "max < 1000"]
          call_success_rate: ["rate > 0.99"]
          video_packet_loss: ["p(99) < 0.02"]
          freezes: ["count == 0"]
        """;

    internal static async Task<LoadRunResult> RunDryAsync(LoadedScenario scenario, DryRunCallBehavior? behavior = null, ShardSpec? shard = null, ILoadProgress? progress = null)
    {
        var driver = new DryRunCallDriver(behavior ?? new DryRunCallBehavior(), scenario.RingTimeout);
        var runner = new LoadRunner(scenario, driver, new LoadRunOptions { Paced = false, Shard = shard ?? ShardSpec.Whole }, progress);
        return await runner.RunAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_scenario_within_its_thresholds_passes_with_exit_code_zero()
    {
        var scenario = TestScenarios.Pairs(thresholds: GoodThresholds);
        var output = new StringWriter();
        var result = await RunDryAsync(scenario, progress: new PlainLoadProgress(output));

        Assert.Equal(LoadExitCodes.Passed, result.ExitCode);
        Assert.Empty(result.Breaches);
        var report = result.Report;
        Assert.True(report.Passed);
        Assert.All(report.Thresholds, t => Assert.True(t.Passed, t.ToString()));
        var plan = LoadPlanner.Plan(scenario, ShardSpec.Whole);
        Assert.Equal(plan.Calls.Count, report.Metrics[MetricCatalog.Calls].Sum);
        Assert.Equal(plan.Calls.Count, report.Metrics[MetricCatalog.CallSuccessRate].Passes);
        Assert.Equal(40, report.Metrics[MetricCatalog.ChatLoginMs].Histogram!.Count);
        Assert.InRange(report.Metrics[MetricCatalog.CallSetupMs].Summary!.P95!.Value, 300, 550); // answer 200 ms + 150..350 ms
        // The hold stage shows up in the time series: 8 calls in progress (pairs scenario target).
        var hold = report.Windows.Where(w => w.StartSeconds is >= 12 and < 28).ToList();
        Assert.All(hold, w => Assert.InRange(w.ActiveCalls, 7.5, 8.01));
        Assert.Contains("load: PASSED", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_breached_threshold_exits_99_and_is_named()
    {
        var scenario = TestScenarios.Pairs(thresholds: GoodThresholds);
        var result = await RunDryAsync(scenario, new DryRunCallBehavior { FailureShare = 0.2, FailureReason = "ice-timeout", SetupMeanMs = 900 });

        Assert.Equal(LoadExitCodes.ThresholdsBreached, result.ExitCode);
        Assert.Contains("call_success_rate: rate > 0.99", result.Breaches);
        Assert.Contains("call_setup_ms: p(95) < 800", result.Breaches);
        Assert.DoesNotContain("freezes: count == 0", result.Breaches);
        Assert.False(result.Report.Passed);
        Assert.True(result.Report.Errors["ice-timeout"] > 0);
        Assert.Contains(result.Report.Thresholds, t => t.Metric == "call_success_rate" && !t.Passed && t.Actual < 0.9);
    }

    [Fact]
    public async Task Driver_exceptions_and_failed_logins_fail_calls_not_the_run()
    {
        var scenario = TestScenarios.Pairs(users: 10, target: 3, thresholds: "  call_success_rate: [\"rate > 0.99\"]");
        var driver = new ThrowingDriver();
        var result = await new LoadRunner(scenario, driver, new LoadRunOptions { Paced = false }).RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(LoadExitCodes.ThresholdsBreached, result.ExitCode);
        Assert.True(result.Report.Errors["exception:InvalidOperationException"] > 0);
        Assert.True(result.Report.Errors["login-failed"] > 0);
        Assert.Equal(1, result.Report.Errors["login:denied"]);
    }

    [Fact]
    public async Task Paced_runs_start_each_call_no_earlier_than_planned()
    {
        var scenario = TestScenarios.Load("""
            name: paced
            chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
            users: { range: { from: 1, to: 10, password: "p" } }
            calls: { duration: { fixed: 100ms } }
            load: { executor: arrival_rate, stages: [{ duration: 1s, target: 5 }] }
            window: 100ms
            """);
        var driver = new RecordingDriver(TimeProvider.System);
        var result = await new LoadRunner(scenario, driver, new LoadRunOptions { Paced = true, ProgressInterval = TimeSpan.FromMilliseconds(200) }, new PlainLoadProgress(new StringWriter())).RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(LoadExitCodes.Passed, result.ExitCode);
        Assert.NotEmpty(driver.Starts);
        Assert.All(driver.Starts, s => Assert.True(s.Actual >= s.Planned - TimeSpan.FromMilliseconds(20), $"{s.Actual} < {s.Planned}"));
    }

    [Fact]
    public async Task Load_command_writes_reports_and_returns_the_exit_code()
    {
        var folder = Path.Combine(Path.GetTempPath(), "callbot-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var scenarioPath = Path.Combine(folder, "s.yaml");
            await File.WriteAllTextAsync(scenarioPath, Scenario.ScenarioLoaderTests.Minimal + "\nthresholds:\n  call_success_rate: [\"rate == 1\"]\n", TestContext.Current.CancellationToken);
            var output = new StringWriter();
            var exit = await LoadCommand.RunAsync(scenarioPath, LoadCommand.DryRunDriver, Path.Combine(folder, "out"), output, shard: "0/2", paced: false, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(LoadExitCodes.Passed, exit);
            var report = await LoadReportJson.ReadAsync(Path.Combine(folder, "out", LoadCommand.ReportJson), TestContext.Current.CancellationToken);
            Assert.Equal("0/2", report.Shards.Single().ToString());
            Assert.True(File.Exists(Path.Combine(folder, "out", LoadCommand.ReportHtml)));

            await File.WriteAllTextAsync(scenarioPath, "name: x\nload: { stages: [] }\n", TestContext.Current.CancellationToken);
            Assert.Equal(LoadExitCodes.InvalidScenario, await LoadCommand.RunAsync(scenarioPath, LoadCommand.DryRunDriver, folder, output, cancellationToken: TestContext.Current.CancellationToken));
            Assert.Contains("load.stages (line 2)", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(LoadExitCodes.InvalidScenario, await LoadCommand.RunAsync(scenarioPath, LoadCommand.DryRunDriver, folder, output, shard: "2/2", cancellationToken: TestContext.Current.CancellationToken));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Live_instruments_carry_exactly_what_the_report_aggregates()
    {
        using var meter = new System.Diagnostics.Metrics.Meter("CallBot.Test." + Guid.NewGuid().ToString("N"));
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var sums = new System.Collections.Concurrent.ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var counts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => sums.AddOrUpdate(instrument.Name, value, (_, s) => s + value));
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => counts.AddOrUpdate(instrument.Name, 1, (_, c) => c + 1));
        listener.Start();
        var scenario = TestScenarios.Pairs(users: 10, target: 2);
        var driver = new DryRunCallDriver(new DryRunCallBehavior { FailureShare = 0.2, FreezesPerStream = 1 }, scenario.RingTimeout);
        var result = await new LoadRunner(scenario, driver, new LoadRunOptions { Paced = false, Meter = meter }).RunAsync(TestContext.Current.CancellationToken);

        var metrics = result.Report.Metrics;
        Assert.Equal(metrics[MetricCatalog.Calls].Sum, sums["callbot.load.calls_started"]);
        foreach (var (name, kind) in MetricCatalog.Kinds)
        {
            var live = "callbot.load." + name;
            if (LoadTelemetry.ReportOnly.Contains(name))
            {
                Assert.False(sums.ContainsKey(live) || counts.ContainsKey(live), name);
                continue;
            }

            switch (kind)
            {
                case MetricKind.Trend:
                    Assert.Equal(metrics[name].Histogram!.Count, counts.GetValueOrDefault(live));
                    break;
                case MetricKind.Rate:
                    Assert.Equal(metrics[name].Total, sums.GetValueOrDefault(live));
                    break;
                default:
                    Assert.Equal(metrics[name].Sum, sums.GetValueOrDefault(live));
                    break;
            }
        }

        Assert.True(metrics[MetricCatalog.CallFailures].Sum > 0 && metrics[MetricCatalog.Freezes].Sum > 0, "the run exercised failures and freezes");
    }

    [Fact]
    public async Task Spectre_progress_draws_a_live_table_and_the_threshold_verdicts()
    {
        var writer = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Ansi = Spectre.Console.AnsiSupport.No,
            Interactive = Spectre.Console.InteractionSupport.Yes,
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
        });
        var progress = new SpectreLoadProgress(console);
        progress.Start("demo");
        progress.Update(new LoadProgressSnapshot(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(40), 7, 12, 5, 5, 1, 300, 420, 480, "0/1"));
        var report = new LoadReport { Name = "demo", Thresholds = [new CallBot.Load.Thresholds.ThresholdResult { Metric = "call_setup_ms", Expression = "p(95) < 400", Actual = 420, Passed = false }] };
        await progress.CompleteAsync(report).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var text = writer.ToString();
        Assert.Contains("active", text, StringComparison.Ordinal);
        Assert.Contains("BREACHED", text, StringComparison.Ordinal);
        Assert.Contains("call_setup_ms", text, StringComparison.Ordinal);
    }

    private sealed class ThrowingDriver : ILoadCallDriver
    {
        public Task<LoginResult> LoginAsync(LoadUser user, CancellationToken cancellationToken) =>
            Task.FromResult(user.Id == 1 ? new LoginResult(false, TimeSpan.Zero, "denied") : new LoginResult(true, TimeSpan.FromMilliseconds(5), null));

        public Task<CallResult> RunCallAsync(CallIntent intent, CancellationToken cancellationToken) => throw new InvalidOperationException("boom");
    }

    private sealed class RecordingDriver(TimeProvider time) : ILoadCallDriver
    {
        // Created just before the run: the runner's call clock starts later (after logins), so an offset from here can
        // only overstate a start, never hide an early one. (Aligning on the first call instead made a late first call
        // look like early later ones.)
        private readonly long _created = time.GetTimestamp();

        public List<(TimeSpan Planned, TimeSpan Actual)> Starts { get; } = [];

        public Task<LoginResult> LoginAsync(LoadUser user, CancellationToken cancellationToken) => Task.FromResult(new LoginResult(true, TimeSpan.Zero, null));

        public Task<CallResult> RunCallAsync(CallIntent intent, CancellationToken cancellationToken)
        {
            lock (Starts)
            {
                Starts.Add((intent.Start, time.GetElapsedTime(_created)));
            }

            return Task.FromResult(new CallResult { Intent = intent, Outcome = CallOutcome.Completed, Elapsed = intent.Duration, IceConnectedAfter = TimeSpan.FromMilliseconds(10) });
        }
    }
}
