using System.Globalization;
using CallBot.Worker.Cli;

namespace CallBot.Benchmarks.Setup;

/// <summary>One measured interval (ms) of one call path over many calls, and its row in the printed table.</summary>
internal sealed class SetupSeries(string path, string interval)
{
    private readonly List<double> _samples = [];

    public string Path { get; } = path;

    public string Interval { get; } = interval;

    public int Count => _samples.Count;

    public void Add(double milliseconds) => _samples.Add(milliseconds);

    public const string Header = "| Path | Interval | Calls | p50 | p95 | min | max |\n|---|---|---|---|---|---|---|";

    /// <summary>A markdown table row; nearest-rank percentiles (the same as <c>callbot demo</c> prints).</summary>
    public string Row()
    {
        if (_samples.Count == 0)
        {
            return $"| {Path} | {Interval} | 0 | – | – | – | – |";
        }

        var sorted = _samples.ToArray();
        Array.Sort(sorted);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Path} | {Interval} | {sorted.Length} | {SetupPercentiles.Percentile(sorted, 0.50):0} ms | {SetupPercentiles.Percentile(sorted, 0.95):0} ms | {sorted[0]:0} ms | {sorted[^1]:0} ms |");
    }
}
