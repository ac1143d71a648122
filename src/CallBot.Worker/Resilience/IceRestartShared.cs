using CallBot.Signaling;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;

namespace CallBot.Worker.Resilience;

/// <summary>What every peer's <see cref="IceRestartPipeline"/> of one bot shares: its chat, the options, the Polly pipeline,
/// telemetry, clock and logger. <see cref="IceRestartSupervisor"/> holds one per bot.</summary>
public sealed record IceRestartShared(
    IChatTransport Chat, IceRestartOptions Options, ResiliencePipeline Pipeline, CallBotTelemetry Telemetry, TimeProvider Time, ILogger Logger)
{
    /// <param name="pipeline">The registered <see cref="IceRestartResilience.PipelineName"/> pipeline (shared by every peer and bot).</param>
    public static IceRestartShared Create(
        IChatTransport chat, IceRestartOptions options, ResiliencePipeline pipeline, CallBotTelemetry telemetry, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        return new IceRestartShared(chat, options, pipeline, telemetry, time, loggers.CreateLogger<IceRestartPipeline>());
    }
}
