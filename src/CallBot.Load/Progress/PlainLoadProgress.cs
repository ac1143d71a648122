using System.Globalization;
using CallBot.Load.Reports;

namespace CallBot.Load.Progress;

/// <summary>One line per update, for logs and CI (no terminal control codes).</summary>
public sealed class PlainLoadProgress(TextWriter output) : ILoadProgress
{
    private readonly Lock _gate = new();

    public void Start(string title)
    {
        lock (_gate)
        {
            output.WriteLine($"load: {title}");
        }
    }

    public void Update(LoadProgressSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var s = snapshot;
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"load [{s.Shard}] {s.Elapsed.TotalSeconds,6:0.0}s/{s.Planned.TotalSeconds:0}s active={s.ActiveCalls} started={s.Started} finished={s.Finished} ok={s.Succeeded} rate={s.CallsPerSecond:0.00}/s setup p50={Ms(s.SetupP50Ms)} p95={Ms(s.SetupP95Ms)} p99={Ms(s.SetupP99Ms)}");
        lock (_gate)
        {
            output.WriteLine(line);
        }
    }

    public Task CompleteAsync(LoadReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            foreach (var line in LoadSummary.Lines(report))
            {
                output.WriteLine(line);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString("0", CultureInfo.InvariantCulture) + "ms";
}
