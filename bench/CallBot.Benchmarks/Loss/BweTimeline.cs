using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CallBot.Benchmarks.Loss;

/// <summary>
/// The in-process bot's send side per second while a bandwidth-step row is measured, from its OpenTelemetry instruments:
/// the transport-cc estimate (median of the feedbacks in the second), probe clusters sent, the highest probe result,
/// delay-based decreases, probes the cluster budget suppressed. What the relay's counters cannot show: whether the bot probed, what the probes found and when
/// its estimate moved. Every bot sender in the process counts (one per row here: the bot of bot → Chromium; on
/// Chromium → bot, the bot's own video toward Chromium).
/// </summary>
internal sealed class BweTimeline : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = new();
    private List<long>[] _estimates = [];
    private long[] _clusters = [];
    private long[] _probeMax = [];
    private long[] _decreases = [];
    private long[] _suppressed = [];

    public BweTimeline()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "callbot.rtc.bwe.estimate" or "callbot.rtc.bwe.probe_clusters" or "callbot.rtc.bwe.probe_result" or "callbot.rtc.bwe.decreases"
                or "callbot.rtc.bwe.probes_suppressed")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Record(instrument.Name, value));
        _listener.Start();
    }

    /// <summary>Starts a window of <paramref name="seconds"/> seconds from now; earlier values are dropped.</summary>
    public void Start(int seconds)
    {
        lock (_lock)
        {
            _estimates = [.. Enumerable.Range(0, seconds).Select(_ => new List<long>())];
            _clusters = new long[seconds];
            _probeMax = new long[seconds];
            _decreases = new long[seconds];
            _suppressed = new long[seconds];
            _clock.Restart();
        }
    }

    /// <summary>Ends the window: the per-second series (kbit/s; null where no feedback arrived).</summary>
    public BweSeries Stop()
    {
        lock (_lock)
        {
            _clock.Stop();
            long?[] median = [.. _estimates.Select(v => v.Count == 0 ? (long?)null : v.Order().ElementAt(v.Count / 2) / 1000)];
            var series = new BweSeries(median, [.. _clusters], [.. _probeMax.Select(v => v / 1000)], [.. _decreases], [.. _suppressed]);
            _estimates = [];
            return series;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(string name, long value)
    {
        lock (_lock)
        {
            var second = (int)_clock.Elapsed.TotalSeconds;
            if (!_clock.IsRunning || second >= _estimates.Length)
            {
                return;
            }

            switch (name)
            {
                case "callbot.rtc.bwe.estimate":
                    _estimates[second].Add(value);
                    break;
                case "callbot.rtc.bwe.probe_clusters":
                    _clusters[second] += value;
                    break;
                case "callbot.rtc.bwe.probe_result":
                    _probeMax[second] = Math.Max(_probeMax[second], value);
                    break;
                case "callbot.rtc.bwe.probes_suppressed":
                    _suppressed[second] += value;
                    break;
                default:
                    _decreases[second] += value;
                    break;
            }
        }
    }
}

/// <summary>The bot's send side per second: estimate median (kbit/s), probe clusters sent, highest probe result (kbit/s), decreases, probes suppressed by the cluster budget.</summary>
internal sealed record BweSeries(long?[] EstimateKbps, long[] ProbeClusters, long[] ProbeResultMaxKbps, long[] Decreases, long[] ProbesSuppressed);
