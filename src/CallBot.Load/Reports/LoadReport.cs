using CallBot.Load.Metrics;
using CallBot.Load.Soak;
using CallBot.Load.Thresholds;

namespace CallBot.Load.Reports;

/// <summary>
/// report.json: everything a run measured, in a form that merges exactly (histograms, not percentiles) across shards.
/// <see cref="ThresholdDefinitions"/> keeps the scenario's conditions so a merged report can re-judge them.
/// </summary>
public sealed class LoadReport
{
    public const int CurrentSchema = 1;

    public int Schema { get; set; } = CurrentSchema;

    public string Name { get; set; } = "";

    public string ScenarioHash { get; set; } = "";

    /// <summary>The shards this report covers (one, or several after a merge).</summary>
    public List<ShardInfo> Shards { get; set; } = [];

    public List<EnvironmentInfo> Environments { get; set; } = [];

    public DateTimeOffset StartedAt { get; set; }

    public double DurationSeconds { get; set; }

    public double WindowSeconds { get; set; }

    public long PlannedCalls { get; set; }

    /// <summary>Calls the planner could not place because every user of the shard was busy.</summary>
    public long UnplacedCalls { get; set; }

    public Dictionary<string, MetricData> Metrics { get; set; } = [];

    /// <summary>
    /// The same metrics per group (group → metric → data, summaries included): call metrics count in the caller's bot
    /// group, stream metrics in the receiving participant's, <c>none</c> outside groups (<see cref="LoadMetrics"/>).
    /// Logins belong to no call and count only in <see cref="Metrics"/>.
    /// </summary>
    public Dictionary<string, Dictionary<string, MetricData>> Groups { get; set; } = [];

    public List<WindowData> Windows { get; set; } = [];

    /// <summary>Failure reason → count.</summary>
    public Dictionary<string, long> Errors { get; set; } = [];

    public Dictionary<string, List<string>> ThresholdDefinitions { get; set; } = [];

    public List<ThresholdResult> Thresholds { get; set; } = [];

    /// <summary>Soak samples and verdicts, one entry per shard that sampled.</summary>
    public List<SoakReport> Soak { get; set; } = [];

    public bool Passed { get; set; }
}

public sealed class ShardInfo
{
    public int Index { get; set; }

    public int Count { get; set; } = 1;

    public override string ToString() => $"{Index}/{Count}";
}

public sealed class EnvironmentInfo
{
    public string Machine { get; set; } = "";

    public int Cores { get; set; }

    public string Os { get; set; } = "";

    public string Runtime { get; set; } = "";

    public string CallBotVersion { get; set; } = "";

    public string Shard { get; set; } = "";

    public static EnvironmentInfo Current(ShardInfo shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return new EnvironmentInfo
        {
            Machine = Environment.MachineName,
            Cores = Environment.ProcessorCount,
            Os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            Runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            CallBotVersion = typeof(LoadReport).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            Shard = shard.ToString(),
        };
    }
}
