using CallBot.Load.Metrics;

namespace CallBot.Load.Tests.Metrics;

public sealed class LogHistogramTests
{
    [Fact]
    public void Percentiles_are_within_one_percent_of_exact_nearest_rank()
    {
        var random = new Random(5);
        var values = new List<double>();
        var h = new LogHistogram();
        for (var i = 0; i < 20_000; i++)
        {
            var v = Math.Exp(random.NextDouble() * 8); // 1 .. ~3000, log-uniform
            values.Add(v);
            h.Record(v);
        }

        values.Sort();
        foreach (var p in new[] { 1.0, 50, 90, 95, 99, 99.9, 100 })
        {
            var exact = values[(int)Math.Ceiling(p / 100 * values.Count) - 1];
            Assert.InRange(h.Percentile(p), exact * 0.99, exact * 1.01);
        }

        Assert.Equal(values[0], h.Min);
        Assert.Equal(values[^1], h.Max);
        Assert.Equal(values.Sum() / values.Count, h.Mean, 1e-9);
    }

    [Fact]
    public void Zeros_and_negatives_count_in_the_zero_bucket()
    {
        var h = new LogHistogram();
        h.Record(0);
        h.Record(-1);
        h.Record(0.5);
        h.Record(double.NaN);
        Assert.Equal(3, h.Count);
        Assert.Equal(2, h.Zeros);
        Assert.Equal(0, h.Percentile(66));
        Assert.InRange(h.Percentile(67), 0.495, 0.5);
        Assert.True(double.IsNaN(new LogHistogram().Percentile(50)));
    }

    [Fact]
    public void Merging_histograms_equals_recording_everything_in_one()
    {
        var a = new LogHistogram();
        var b = new LogHistogram();
        var all = new LogHistogram();
        var random = new Random(9);
        for (var i = 0; i < 5000; i++)
        {
            var v = random.NextDouble() * 1000;
            (i % 3 == 0 ? a : b).Record(v);
            all.Record(v);
        }

        var merged = LogHistogram.FromData(a.ToData());
        merged.Add(b);
        foreach (var p in new[] { 50.0, 95, 99 })
        {
            Assert.Equal(all.Percentile(p), merged.Percentile(p));
        }

        Assert.Equal(all.Count, merged.Count);
        Assert.Equal(all.Min, merged.Min);
        Assert.Equal(all.Max, merged.Max);
    }
}
