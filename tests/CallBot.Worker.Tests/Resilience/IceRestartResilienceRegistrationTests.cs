using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Polly.Registry;
using Polly.Retry;
using Polly.Testing;
using Polly.Timeout;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>The ICE-restart pipeline is registered with DI and composed from the configured options.</summary>
public sealed class IceRestartResilienceRegistrationTests
{
    [Fact]
    public void Registered_pipeline_is_budget_timeout_then_retry_then_attempt_timeout_from_options()
    {
        using var services = Services(o =>
        {
            o.Budget = 120;
            o.MaxAttempts = 5;
            o.AttemptTimeout = 9;
        });

        var pipeline = services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(IceRestartResilience.PipelineName);
        var strategies = pipeline.GetPipelineDescriptor().Strategies;

        Assert.Equal(3, strategies.Count);
        var budget = Assert.IsType<TimeoutStrategyOptions>(strategies[0].Options);
        Assert.Equal(("budget", TimeSpan.FromSeconds(120)), (budget.Name, budget.Timeout));
        var retry = Assert.IsType<RetryStrategyOptions>(strategies[1].Options);
        Assert.Equal(("attempts", 4), (retry.Name, retry.MaxRetryAttempts));
        var attempt = Assert.IsType<TimeoutStrategyOptions>(strategies[2].Options);
        Assert.Equal(("attempt", TimeSpan.FromSeconds(9)), (attempt.Name, attempt.Timeout));
    }

    [Fact]
    public void One_attempt_means_no_retry_strategy()
    {
        using var services = Services(o => o.MaxAttempts = 1);

        var strategies = services.GetRequiredService<ResiliencePipelineProvider<string>>()
            .GetPipeline(IceRestartResilience.PipelineName).GetPipelineDescriptor().Strategies;

        Assert.Equal(2, strategies.Count);
        Assert.All(strategies, s => Assert.IsType<TimeoutStrategyOptions>(s.Options));
    }

    private static ServiceProvider Services(Action<IceRestartOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.Configure(configure);
        services.AddIceRestartResilience();
        return services.BuildServiceProvider();
    }
}
