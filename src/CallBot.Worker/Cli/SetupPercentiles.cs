using System.Globalization;
using CallBot.Worker.Bots;

namespace CallBot.Worker.Cli;

/// <summary>Call setup time (peer connection created → first remote frame) percentiles over many calls.</summary>
public static class SetupPercentiles
{
    public static string Describe(IEnumerable<CallSummary> outcomes)
    {
        var samples = outcomes.Where(o => o.Direction == CallDirection.Outgoing && o.SetupTime is not null)
            .Select(o => o.SetupTime!.Value.TotalMilliseconds).Order().ToArray();
        if (samples.Length == 0)
        {
            return "setup time: no samples";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"setup time over {samples.Length} calls (caller side): p50 {Percentile(samples, 0.50):0} ms, p95 {Percentile(samples, 0.95):0} ms, min {samples[0]:0} ms, max {samples[^1]:0} ms");
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
