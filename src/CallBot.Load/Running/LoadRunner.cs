using CallBot.Load.Driver;
using CallBot.Load.Metrics;
using CallBot.Load.Planning;
using CallBot.Load.Progress;
using CallBot.Load.Reports;
using CallBot.Load.Scenario;
using CallBot.Load.Soak;

namespace CallBot.Load.Running;

/// <summary>The outcome of a run: the report, the exit code and the names of breached thresholds.</summary>
public sealed record LoadRunResult(LoadReport Report, int ExitCode, IReadOnlyList<string> Breaches);

/// <summary>
/// Runs one shard of a scenario through an <see cref="ILoadCallDriver"/>: logs its users in (bounded parallelism),
/// starts each planned call at its time, aggregates results, samples the process for soak, reports progress, and judges
/// the thresholds. A driver exception fails that call (named by the exception type), never the run.
/// </summary>
public sealed class LoadRunner(LoadedScenario scenario, ILoadCallDriver driver, LoadRunOptions? options = null, ILoadProgress? progress = null)
{
    private readonly LoadRunOptions _options = options ?? new LoadRunOptions();
    private int _active;
    private long _started;
    private LoadTelemetry? _telemetry;

    public async Task<LoadRunResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var time = _options.TimeProvider;
        var plan = LoadPlanner.Plan(scenario, _options.Shard);
        _telemetry = _options.Meter is { } meter ? new LoadTelemetry(meter) : null;
        var metrics = new LoadMetrics(scenario.Window, _telemetry);
        var startedAt = time.GetUtcNow();
        SoakSampler? soak = null;
        if (scenario.SoakInterval is { } interval)
        {
            soak = new SoakSampler(_options.ProcessProbe ?? new ProcessProbe(), interval, time);
            soak.Start();
        }

        progress?.Start($"{scenario.Source.Name} · shard {_options.Shard} · {plan.Calls.Count} calls · {plan.Users.Count} users");
        var failedLogins = await LoginAllAsync(plan, metrics, cancellationToken);
        var callStart = time.GetTimestamp();
        var callsOffset = soak?.Elapsed ?? TimeSpan.Zero;
        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progressLoop = progress is null ? Task.CompletedTask : ProgressLoopAsync(plan, metrics, callStart, stopProgress.Token);
        var running = new List<Task>(plan.Calls.Count);
        try
        {
            foreach (var intent in plan.Calls)
            {
                if (_options.Paced)
                {
                    var wait = intent.Start - time.GetElapsedTime(callStart);
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, time, cancellationToken);
                    }
                }

                // Off the scheduling loop: a driver that does synchronous work before its first await must not delay later calls.
                running.Add(Task.Run(() => RunOneAsync(intent, failedLogins, metrics, callStart, cancellationToken), CancellationToken.None));
            }

            await Task.WhenAll(running);
        }
        finally
        {
            await stopProgress.CancelAsync();
            await progressLoop;
            if (soak is not null)
            {
                await soak.DisposeAsync();
            }
        }

        var duration = _options.Paced ? time.GetElapsedTime(callStart) : Max(plan.ExpectedEnd, scenario.TotalDuration);
        SoakReport? soakReport = null;
        if (soak is not null)
        {
            var s = scenario.Source.Soak!;
            soakReport = soak.ToReport(new SoakLimits(s.MaxRssSlopeMbPerHour, s.MaxGcHeapSlopeMbPerHour, s.MaxThreadSlopePerHour, s.MaxSocketSlopePerHour, scenario.SoakFloorWindow.TotalSeconds), _options.Shard.ToString(),
                SteadyWindow(scenario, callsOffset));
        }

        var shard = new ShardInfo { Index = _options.Shard.Index, Count = _options.Shard.Count };
        var report = LoadReportBuilder.Build(scenario, shard, metrics, startedAt, duration, plan.Calls.Count + plan.Unplaced.Count, plan.Unplaced.Count, soakReport);
        if (progress is not null)
        {
            progress.Update(Snapshot(plan, metrics, callStart));
            await progress.CompleteAsync(report);
        }

        var breaches = LoadSummary.Breaches(report);
        return new LoadRunResult(report, breaches.Count == 0 ? LoadExitCodes.Passed : LoadExitCodes.ThresholdsBreached, breaches);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// The hold of a ramp-up/hold/ramp-down shape, as soak-sampler offsets: after the first stage when it ramps up, before
    /// the last when it ramps down, less the soak warm-up at its start (at most half the hold). Null (judge every sample)
    /// for a single stage.
    /// </summary>
    internal static (TimeSpan From, TimeSpan To)? SteadyWindow(LoadedScenario scenario, TimeSpan callsOffset)
    {
        var stages = scenario.Stages;
        if (stages.Count < 2)
        {
            return null;
        }

        var from = stages[0].Target > scenario.StartTarget ? stages[0].Duration : TimeSpan.Zero;
        var to = scenario.TotalDuration;
        if (stages[^1].Target < stages[^2].Target)
        {
            to -= stages[^1].Duration;
        }

        if (to <= from)
        {
            return null;
        }

        var warmup = scenario.SoakWarmup < (to - from) / 2 ? scenario.SoakWarmup : (to - from) / 2;
        return (callsOffset + from + warmup, callsOffset + to);
    }

    private async Task<HashSet<long>> LoginAllAsync(LoadPlan plan, LoadMetrics metrics, CancellationToken cancellationToken)
    {
        var failed = new HashSet<long>();
        var gate = new Lock();
        await Parallel.ForEachAsync(
            plan.Users,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.LoginParallelism), CancellationToken = cancellationToken },
            async (user, ct) =>
            {
                LoginResult result;
                try
                {
                    result = await driver.LoginAsync(user, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    result = new LoginResult(false, TimeSpan.Zero, ex.GetType().Name);
                }

                metrics.RecordLogin(result);
                if (!result.Succeeded)
                {
                    lock (gate)
                    {
                        failed.Add(user.Id);
                    }
                }
            });
        return failed;
    }

    private async Task RunOneAsync(CallIntent intent, HashSet<long> failedLogins, LoadMetrics metrics, long callStart, CancellationToken cancellationToken)
    {
        var time = _options.TimeProvider;
        var startedAt = _options.Paced ? time.GetElapsedTime(callStart) : intent.Start;
        Interlocked.Increment(ref _started);
        Interlocked.Increment(ref _active);
        _telemetry?.CallStarted(intent);
        CallResult result;
        try
        {
            var loggedIn = !failedLogins.Contains(intent.Caller.Id);
            foreach (var callee in intent.Callees)
            {
                loggedIn &= !failedLogins.Contains(callee.Id);
            }

            result = loggedIn
                ? await driver.RunCallAsync(intent, cancellationToken)
                : new CallResult { Intent = intent, Outcome = CallOutcome.Failed, ErrorReason = "login-failed" };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result = new CallResult { Intent = intent, Outcome = CallOutcome.Failed, ErrorReason = "cancelled" };
        }
        catch (Exception ex)
        {
            result = new CallResult { Intent = intent, Outcome = CallOutcome.Failed, ErrorReason = "exception:" + ex.GetType().Name };
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            _telemetry?.CallEnded(intent);
        }

        metrics.RecordCall(result, startedAt);
    }

    private async Task ProgressLoopAsync(LoadPlan plan, LoadMetrics metrics, long callStart, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.ProgressInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                progress!.Update(Snapshot(plan, metrics, callStart));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private LoadProgressSnapshot Snapshot(LoadPlan plan, LoadMetrics metrics, long callStart)
    {
        var elapsed = _options.TimeProvider.GetElapsedTime(callStart);
        var setup = metrics.Snapshot()[MetricCatalog.CallSetupMs].Histogram;
        var finished = metrics.CallsFinished;
        return new LoadProgressSnapshot(
            elapsed,
            scenario.TotalDuration,
            Volatile.Read(ref _active),
            Interlocked.Read(ref _started),
            finished,
            metrics.CallsSucceeded,
            elapsed.TotalSeconds > 0 ? finished / elapsed.TotalSeconds : 0,
            setup.Percentile(50),
            setup.Percentile(95),
            setup.Percentile(99),
            plan.Shard.ToString());
    }
}
