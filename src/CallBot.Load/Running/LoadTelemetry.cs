using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using CallBot.Load.Driver;
using CallBot.Load.Metrics;

namespace CallBot.Load.Running;

/// <summary>
/// The run's metrics, live, on the given meter (the worker passes its one <c>CallBot</c> meter, so the Prometheus
/// listener and OTLP see the run while it goes): every <see cref="MetricCatalog"/> metric of a call as <c>callbot.load.NAME</c>
/// with the values the report aggregates, as they are recorded (<see cref="ICallMetricListener"/>): trends as histograms
/// (buckets by the metric's unit), counters as counters, rates as a counter tagged <c>passed</c>. Plus
/// <c>callbot.load.calls_started</c> and the <c>callbot.load.active_calls</c> gauge. Series carry the group
/// <see cref="LoadMetrics"/> counted the value in (<c>group</c>: the caller's bot group for call metrics, the receiving
/// participant's for stream metrics, <see cref="LoadMetrics.NoGroup"/> outside groups) and the call shape (<c>shape</c>:
/// <c>pair</c>, or <c>mesh-N</c> for N participants), so a dashboard splits them as the report does; <c>calls</c> also
/// carries <c>outcome</c> (<c>success</c> or the failure reason). Names carry no unit suffix: the unit is in the name
/// (<c>_ms</c>) or in docs/load/README.md.
/// </summary>
public sealed class LoadTelemetry : ICallMetricListener
{
    public const string Prefix = "callbot.load.";
    public const string CallsStarted = "calls_started";
    public const string ActiveCalls = "active_calls";

    /// <summary>Catalog metrics that belong to no call (logins happen before calls): in the report only, never live.</summary>
    public static readonly IReadOnlySet<string> ReportOnly = new HashSet<string>(StringComparer.Ordinal) { MetricCatalog.ChatLoginMs };

    private static readonly double[] MillisecondBuckets = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 20000, 30000];
    private static readonly double[] FractionBuckets = [0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
    private static readonly double[] RatioBuckets = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 1, 1.01, 1.05, 1.5];
    private static readonly double[] MosBuckets = [1, 1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.1, 4.2, 4.3, 4.4, 4.5];
    private static readonly double[] FpsBuckets = [1, 2, 5, 10, 15, 20, 24, 25, 28, 30, 45, 60];
    private static readonly double[] PixelBuckets = [90, 144, 180, 240, 360, 480, 540, 720, 1080, 1440, 2160];

    private readonly FrozenDictionary<string, Histogram<double>> _trends;
    private readonly FrozenDictionary<string, Counter<long>> _counters;
    private readonly Counter<long> _started;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Group, string Shape), int> _active = [];

    public LoadTelemetry(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        var trends = new Dictionary<string, Histogram<double>>(StringComparer.Ordinal);
        var counters = new Dictionary<string, Counter<long>>(StringComparer.Ordinal);
        foreach (var (name, kind) in MetricCatalog.Kinds)
        {
            if (ReportOnly.Contains(name))
            {
                continue;
            }

            var unit = MetricCatalog.Units.GetValueOrDefault(name, MetricUnits.Count);
            var description = $"{name} ({kind.ToString().ToLowerInvariant()}, {unit}; docs/load/README.md)";
            if (kind == MetricKind.Trend)
            {
                trends[name] = meter.CreateHistogram(Prefix + name, unit: null, description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = BucketsOf(unit) });
            }
            else
            {
                counters[name] = meter.CreateCounter<long>(Prefix + name, unit: null, description);
            }
        }

        _trends = trends.ToFrozenDictionary(StringComparer.Ordinal);
        _counters = counters.ToFrozenDictionary(StringComparer.Ordinal);
        _started = meter.CreateCounter<long>(Prefix + CallsStarted, unit: null, "Load-test calls placed (count)");
        meter.CreateObservableGauge(Prefix + ActiveCalls, ObserveActive, unit: null, "Load-test calls in progress (count)");
    }

    /// <summary>The call's shape tag: <c>pair</c> for one callee, else <c>mesh-N</c> with N participants.</summary>
    public static string ShapeOf(CallIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return intent.Callees.Count switch
        {
            1 => "pair",
            2 => "mesh-3",
            3 => "mesh-4",
            _ => $"mesh-{intent.Callees.Count + 1}",
        };
    }

    /// <summary>The Prometheus name of a catalog metric's series (counters end in <c>_total</c>, histograms in <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</summary>
    public static string PrometheusName(string metric) => (Prefix + metric).Replace('.', '_');

    public void CallStarted(CallIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var key = (intent.Caller.Group ?? LoadMetrics.NoGroup, ShapeOf(intent));
        lock (_gate)
        {
            _active[key] = _active.GetValueOrDefault(key) + 1;
        }

        _started.Add(1, Group(key.Item1), Shape(key.Item2));
    }

    public void CallEnded(CallIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var key = (intent.Caller.Group ?? LoadMetrics.NoGroup, ShapeOf(intent));
        lock (_gate)
        {
            // The key stays at 0 rather than being removed, so the gauge keeps reporting the group's 0 between calls.
            _active[key] = Math.Max(0, _active.GetValueOrDefault(key) - 1);
        }
    }

    public void Trend(CallResult result, string group, string metric, double value)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_trends.TryGetValue(metric, out var histogram) && histogram.Enabled)
        {
            histogram.Record(value, Group(group), Shape(ShapeOf(result.Intent)));
        }
    }

    public void Rate(CallResult result, string group, string metric, bool pass)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_counters.TryGetValue(metric, out var counter) && counter.Enabled)
        {
            counter.Add(1, Group(group), Shape(ShapeOf(result.Intent)), new KeyValuePair<string, object?>("passed", pass ? "true" : "false"));
        }
    }

    public void Count(CallResult result, string group, string metric, double by)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!_counters.TryGetValue(metric, out var counter) || !counter.Enabled)
        {
            return;
        }

        var groupTag = Group(group);
        var shape = Shape(ShapeOf(result.Intent));
        if (metric == MetricCatalog.Calls)
        {
            counter.Add((long)by, groupTag, shape, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : result.FailureReason));
        }
        else
        {
            counter.Add((long)by, groupTag, shape);
        }
    }

    private static double[] BucketsOf(string unit) => unit switch
    {
        MetricUnits.Fraction => FractionBuckets,
        MetricUnits.Ratio => RatioBuckets,
        MetricUnits.Mos => MosBuckets,
        MetricUnits.FramesPerSecond => FpsBuckets,
        MetricUnits.Pixels => PixelBuckets,
        _ => MillisecondBuckets,
    };

    private static KeyValuePair<string, object?> Group(string group) => new("group", group);

    private static KeyValuePair<string, object?> Shape(string shape) => new("shape", shape);

    private List<Measurement<int>> ObserveActive()
    {
        lock (_gate)
        {
            var measurements = new List<Measurement<int>>(_active.Count);
            foreach (var ((group, shape), count) in _active)
            {
                measurements.Add(new Measurement<int>(count, Group(group), Shape(shape)));
            }

            return measurements;
        }
    }
}
