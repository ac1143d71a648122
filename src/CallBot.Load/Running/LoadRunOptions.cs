using CallBot.Load.Planning;
using CallBot.Load.Soak;

namespace CallBot.Load.Running;

public sealed class LoadRunOptions
{
    public ShardSpec Shard { get; init; } = ShardSpec.Whole;

    /// <summary>
    /// True (the default) starts each call at its planned time on <see cref="TimeProvider"/>. False starts every call as
    /// soon as possible and places results on the plan's timeline (dry runs and tests with the fake driver).
    /// </summary>
    public bool Paced { get; init; } = true;

    public int LoginParallelism { get; init; } = 16;

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Meter for live OpenTelemetry instruments (<see cref="LoadTelemetry"/>); none when null.</summary>
    public System.Diagnostics.Metrics.Meter? Meter { get; init; }

    /// <summary>Probe for soak sampling (when the scenario has <c>soak:</c>); the current process by default.</summary>
    public IProcessProbe? ProcessProbe { get; init; }
}

/// <summary>Process exit codes of <c>callbot load</c> (99 for breached thresholds, as k6).</summary>
public static class LoadExitCodes
{
    public const int Passed = 0;
    public const int Error = 1;
    public const int InvalidScenario = 2;
    public const int ThresholdsBreached = 99;
}
