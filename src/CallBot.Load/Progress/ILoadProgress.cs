using CallBot.Load.Reports;

namespace CallBot.Load.Progress;

/// <summary>What the live view shows once per progress interval.</summary>
public sealed record LoadProgressSnapshot(
    TimeSpan Elapsed,
    TimeSpan Planned,
    int ActiveCalls,
    long Started,
    long Finished,
    long Succeeded,
    double CallsPerSecond,
    double SetupP50Ms,
    double SetupP95Ms,
    double SetupP99Ms,
    string Shard);

/// <summary>Live progress of a run: a Spectre.Console table on a terminal, plain lines otherwise.</summary>
public interface ILoadProgress : IAsyncDisposable
{
    void Start(string title);

    void Update(LoadProgressSnapshot snapshot);

    /// <summary>Shows the final summary (thresholds, errors) and stops the live view.</summary>
    Task CompleteAsync(LoadReport report);
}
