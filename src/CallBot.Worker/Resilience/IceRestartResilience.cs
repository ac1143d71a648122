using CallBot.Worker.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace CallBot.Worker.Resilience;

/// <summary>
/// The Polly v8 pipeline of ICE-restart attempts, outermost first:
/// <code>
///   budget timeout (Budget) ─► retry (MaxAttempts, exponential backoff, jitter) ─► attempt timeout (AttemptTimeout) ─► attempt
/// </code>
/// An attempt that throws <see cref="IceRestartAttemptFailedException"/> or times out is retried; running out of attempts
/// or budget surfaces as that exception or <see cref="TimeoutRejectedException"/>. Polly's own logs and metrics
/// (meter <c>Polly</c>) go through the host's logger factory and meter listeners.
/// </summary>
public static class IceRestartResilience
{
    public const string PipelineName = "callbot-ice-restart";

    /// <summary>Backoff jitter: each delay is between (1 - this) and 1 times the exponential value.</summary>
    public const double JitterFraction = 0.2;

    /// <summary>The per-peer pipeline an execution belongs to (the Polly pipeline is shared), for retry notifications.</summary>
    internal static readonly ResiliencePropertyKey<IceRestartPipeline> Owner = new("callbot.ice_restart.owner");

    /// <summary>
    /// Registers the pipeline under <see cref="PipelineName"/> (<c>AddResiliencePipeline</c>), from
    /// <see cref="IceRestartOptions"/> and the <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/> in DI; bots take
    /// it from <see cref="ResiliencePipelineProvider{TKey}"/>.
    /// </summary>
    public static IServiceCollection AddIceRestartResilience(this IServiceCollection services)
    {
        services.AddResiliencePipeline(PipelineName, static (builder, context) =>
        {
            var provider = context.ServiceProvider;
            builder.TimeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System;
            Configure(builder, provider.GetRequiredService<IOptions<IceRestartOptions>>().Value, provider.GetRequiredService<ILoggerFactory>(), Random.Shared);
        });
        return services;
    }

    /// <summary>The same pipeline without DI, for a bot built by hand (tests pass a seeded <paramref name="random"/>).</summary>
    public static ResiliencePipeline Build(IceRestartOptions options, TimeProvider time, ILoggerFactory loggers, Random? random = null)
    {
        var builder = new ResiliencePipelineBuilder { Name = PipelineName, TimeProvider = time };
        Configure(builder, options, loggers, random ?? Random.Shared);
        return builder.Build();
    }

    private static void Configure(ResiliencePipelineBuilder builder, IceRestartOptions options, ILoggerFactory loggers, Random jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "budget", Timeout = TimeSpan.FromSeconds(options.Budget) });
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                Name = "attempts",
                ShouldHandle = new PredicateBuilder().Handle<IceRestartAttemptFailedException>().Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = options.MaxAttempts - 1,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(BackoffDelay(options, args.AttemptNumber, jitter.NextDouble())),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(Owner, out var owner))
                    {
                        owner.OnBackoff(args.RetryDelay);
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt", Timeout = TimeSpan.FromSeconds(options.AttemptTimeout) });
        builder.ConfigureTelemetry(new Polly.Telemetry.TelemetryOptions
        {
            LoggerFactory = loggers,
            // A timed-out attempt is the expected shape of an outage, not an error; our own log says when we give up.
            SeverityProvider = args => args.Event.EventName is "OnTimeout" or "OnRetry"
                ? Polly.Telemetry.ResilienceEventSeverity.Information
                : args.Event.Severity,
        });
    }

    /// <summary>
    /// Delay after failed attempt <paramref name="retryIndex"/> (0 = after the first): BackoffDelay·2^n capped at
    /// MaxBackoffDelay, minus up to <see cref="JitterFraction"/> of it so that many calls cut at once do not retry in step.
    /// </summary>
    public static TimeSpan BackoffDelay(IceRestartOptions options, int retryIndex, double random)
    {
        ArgumentNullException.ThrowIfNull(options);
        var exponential = options.BackoffDelay * Math.Pow(2, Math.Min(retryIndex, 30));
        var capped = Math.Min(exponential, options.MaxBackoffDelay);
        return TimeSpan.FromSeconds(capped * (1 - (JitterFraction * random)));
    }
}

/// <summary>One attempt did not bring the peer back (chat unusable, the restart offer could not be made).</summary>
public sealed class IceRestartAttemptFailedException : Exception
{
    public IceRestartAttemptFailedException()
    {
    }

    public IceRestartAttemptFailedException(string message)
        : base(message)
    {
    }

    public IceRestartAttemptFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
