using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Bots;

/// <summary>
/// Runs every configured bot (<c>CallBot:Bots</c>): logs each in, answers by policy, places the outbound calls of bots
/// whose role is Call, reports readiness (every chat online) and, on shutdown, hangs up every call, finalizes recordings
/// and logs out within <c>CallBot:Telemetry:ShutdownTimeout</c>. When only calling bots are configured, the process stops
/// once their calls are done.
/// </summary>
public sealed partial class BotFleetService(
    CallBotRuntime runtime,
    IOptions<FleetOptions> fleet,
    IOptions<OutboundCallOptions> outbound,
    IOptions<TelemetryOptions> telemetry,
    IHostApplicationLifetime lifetime,
    ILogger<BotFleetService> logger) : BackgroundService, IReadinessProbe
{
    private readonly List<BotAgent> _agents = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<BotAgent> Agents
    {
        get
        {
            lock (_lock)
            {
                return [.. _agents];
            }
        }
    }

    /// <summary>Completes when every bot is logged in (faults when one could not log in).</summary>
    public Task Started => _started.Task;

    public bool IsReady(out string detail)
    {
        var agents = Agents;
        var online = 0;
        foreach (var agent in agents)
        {
            online += agent.IsOnline ? 1 : 0;
        }

        var expected = fleet.Value.Bots.Count;
        detail = $"{online}/{expected} bots online";
        return expected > 0 && online == expected;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bots = fleet.Value.Bots;
        if (bots.Count == 0)
        {
            LogNoBots(logger);
        }

        try
        {
            foreach (var bot in bots)
            {
                var agent = await runtime.StartBotAsync(bot, stoppingToken).ConfigureAwait(false);
                lock (_lock)
                {
                    _agents.Add(agent);
                }

                LogOnline(logger, bot.UserId, bot.Role);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStartFailed(logger, ex);
            _started.TrySetException(ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
            return;
        }

        _started.TrySetResult();
        var callers = new List<Task>();
        var options = outbound.Value;
        foreach (var agent in Agents)
        {
            var bot = bots.Find(b => b.UserId == agent.UserId);
            if (bot?.Role == BotRole.Call && options.Targets.Count > 0)
            {
                callers.Add(agent.RunOutboundAsync(options.Targets, (CallType)(int)options.Type, options.Count, options.Duration, options.Interval, stoppingToken));
            }
        }

        if (callers.Count > 0)
        {
            await Task.WhenAll(callers).ConfigureAwait(false);
            if (bots.TrueForAll(b => b.Role == BotRole.Call))
            {
                LogCallsDone(logger);
                lifetime.StopApplication();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(telemetry.Value.ShutdownTimeout);
        var agents = Agents;
        try
        {
            await Task.WhenAll(agents.Select(a => a.DisposeAsync().AsTask())).WaitAsync(timeout.Token).ConfigureAwait(false);
            LogStopped(logger, agents.Count);
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(logger);
        }
    }

    [LoggerMessage(5101, LogLevel.Warning, "No bots configured (CallBot:Bots is empty); the service only serves health endpoints")]
    private static partial void LogNoBots(ILogger logger);

    [LoggerMessage(5102, LogLevel.Information, "Bot {UserId} online ({Role})")]
    private static partial void LogOnline(ILogger logger, int userId, BotRole role);

    [LoggerMessage(5103, LogLevel.Error, "A bot could not start; stopping")]
    private static partial void LogStartFailed(ILogger logger, Exception error);

    [LoggerMessage(5104, LogLevel.Information, "Every outbound call is done; stopping")]
    private static partial void LogCallsDone(ILogger logger);

    [LoggerMessage(5105, LogLevel.Information, "{Count} bot(s) hung up, finalized and logged out")]
    private static partial void LogStopped(ILogger logger, int count);

    [LoggerMessage(5106, LogLevel.Warning, "Shutdown timeout reached before every bot stopped")]
    private static partial void LogStopTimedOut(ILogger logger);
}
