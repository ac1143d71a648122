using System.Diagnostics.Metrics;
using CallBot.Load.Driver;

namespace CallBot.Load.Running;

/// <summary>
/// OpenTelemetry-ready instruments for a running load test on the given meter (the worker passes its one <c>CallBot</c>
/// meter, so OTLP/Prometheus exporters see the run live): calls by outcome, setup time, and calls in progress.
/// </summary>
public sealed class LoadTelemetry
{
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _setup;

    public LoadTelemetry(Meter meter, Func<int> activeCalls)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(activeCalls);
        _calls = meter.CreateCounter<long>("callbot.load.calls", unit: "{call}", description: "Finished load-test calls by outcome");
        _setup = meter.CreateHistogram<double>("callbot.load.call_setup", unit: "ms", description: "Call placed → ICE connected");
        meter.CreateObservableGauge("callbot.load.active_calls", activeCalls, unit: "{call}", description: "Load-test calls in progress");
    }

    public void Record(CallResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_calls.Enabled)
        {
            _calls.Add(1, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : result.FailureReason));
        }

        if (_setup.Enabled && result.IceConnectedAfter is { } setup)
        {
            _setup.Record(setup.TotalMilliseconds);
        }
    }
}
