using System.Diagnostics.Metrics;
using CallBot.Load.Driver;
using CallBot.Load.Quality;

namespace CallBot.Load.Running;

/// <summary>
/// OpenTelemetry-ready instruments for a running load test on the given meter (the worker passes its one <c>CallBot</c>
/// meter, so OTLP/Prometheus exporters see the run live): calls by outcome, setup time, audio MOS, and calls in
/// progress. Call-level series carry the caller's bot group (<c>group</c>, <c>none</c> outside groups) and the call shape
/// (<c>shape</c>: <c>pair</c>, or <c>mesh-N</c> for N participants), so a dashboard splits them as the report does.
/// </summary>
public sealed class LoadTelemetry
{
    public const string NoGroup = "none";

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _setup;
    private readonly Histogram<double> _audioMos;

    public LoadTelemetry(Meter meter, Func<int> activeCalls)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(activeCalls);
        _calls = meter.CreateCounter<long>("callbot.load.calls", unit: "{call}", description: "Finished load-test calls by outcome");
        _setup = meter.CreateHistogram<double>("callbot.load.call_setup", unit: "ms", description: "Call placed → ICE connected");
        _audioMos = meter.CreateHistogram<double>("callbot.load.audio_mos", unit: "{mos}", description: "G.107 E-model MOS of each received audio stream");
        meter.CreateObservableGauge("callbot.load.active_calls", activeCalls, unit: "{call}", description: "Load-test calls in progress");
    }

    /// <summary>The call's shape tag: <c>pair</c> for one callee, else <c>mesh-N</c> with N participants.</summary>
    public static string ShapeOf(CallIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return intent.Callees.Count == 1 ? "pair" : $"mesh-{intent.Callees.Count + 1}";
    }

    public void Record(CallResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var group = new KeyValuePair<string, object?>("group", result.Intent.Caller.Group ?? NoGroup);
        var shape = new KeyValuePair<string, object?>("shape", ShapeOf(result.Intent));
        if (_calls.Enabled)
        {
            _calls.Add(1, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : result.FailureReason), group, shape);
        }

        if (_setup.Enabled && result.IceConnectedAfter is { } setup)
        {
            _setup.Record(setup.TotalMilliseconds, group, shape);
        }

        if (_audioMos.Enabled)
        {
            foreach (var stream in result.Streams)
            {
                if (AudioMos.Of(stream) is { } mos)
                {
                    _audioMos.Record(mos, group, shape);
                }
            }
        }
    }
}
