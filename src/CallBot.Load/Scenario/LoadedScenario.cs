using CallBot.Load.Thresholds;

namespace CallBot.Load.Scenario;

public enum LoadExecutor
{
    /// <summary>Stages give the number of concurrent calls.</summary>
    Concurrency,

    /// <summary>Stages give new calls per second.</summary>
    ArrivalRate,
}

public sealed record LoadStage(TimeSpan Duration, double Target);

/// <summary>A named threshold: metric + condition.</summary>
public sealed record ThresholdDefinition(string Metric, ThresholdExpression Expression)
{
    public override string ToString() => $"{Metric}: {Expression.Text}";
}

/// <summary>A per-direction impairment, in Load's own terms (the worker maps it to CallBot.Rtc.Transport.LinkImpairment).</summary>
public sealed record LinkProfile(double Loss, TimeSpan Delay, TimeSpan Jitter, double Reorder, int? BandwidthKbps, IReadOnlyList<(TimeSpan At, TimeSpan Duration)> Blackouts)
{
    /// <summary>Jitter keeps datagrams in order (default); false draws each delay independently, as netem does.</summary>
    public bool JitterKeepsOrder { get; init; } = true;
}

/// <summary>A bot group: its network from the start of the run, then each <see cref="Timeline"/> step's from its time on.</summary>
public sealed record BotGroup(string Name, double Share, LinkProfile? Uplink, LinkProfile? Downlink)
{
    public IReadOnlyList<ImpairmentStep> Timeline { get; init; } = [];
}

/// <summary>From <see cref="At"/> (since the start of the run) the group's whole network is this; a null direction is clean.</summary>
public sealed record ImpairmentStep(TimeSpan At, LinkProfile? Uplink, LinkProfile? Downlink);

/// <summary>A validated scenario with everything parsed: what the planner, runner and worker read.</summary>
public sealed class LoadedScenario
{
    public required LoadScenario Source { get; init; }

    /// <summary>SHA-256 (hex, first 16 chars) of the scenario text: reports name the exact scenario they ran.</summary>
    public required string Hash { get; init; }

    public required IReadOnlyList<LoadUser> Users { get; init; }

    public required LoadExecutor Executor { get; init; }

    public required double StartTarget { get; init; }

    public required IReadOnlyList<LoadStage> Stages { get; init; }

    public required int GroupSize { get; init; }

    public required double? CallerRatio { get; init; }

    public required DurationDistribution Duration { get; init; }

    public required DurationDistribution AnswerDelay { get; init; }

    public required TimeSpan RingTimeout { get; init; }

    public required IReadOnlyList<BotGroup> Groups { get; init; }

    public required IReadOnlyList<ThresholdDefinition> Thresholds { get; init; }

    public required TimeSpan Window { get; init; }

    public TimeSpan? SoakInterval { get; init; }

    /// <summary>The part of the hold the soak's leak verdicts skip (<see cref="SoakSettings.Warmup"/>).</summary>
    public TimeSpan SoakWarmup { get; init; }

    /// <summary>Window whose lowest sample is one point of the memory verdicts' fit (<see cref="SoakSettings.FloorWindow"/>).</summary>
    public TimeSpan SoakFloorWindow { get; init; } = TimeSpan.FromMinutes(10);

    public TimeSpan TotalDuration
    {
        get
        {
            var total = TimeSpan.Zero;
            foreach (var stage in Stages)
            {
                total += stage.Duration;
            }

            return total;
        }
    }

    public BotGroup? GroupOf(LoadUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        foreach (var group in Groups)
        {
            if (group.Name == user.Group)
            {
                return group;
            }
        }

        return null;
    }
}
