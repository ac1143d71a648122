using System.Diagnostics.Metrics;

namespace CallBot.Benchmarks.Loss;

/// <summary>
/// Collects the in-process bots' send-side estimates (<c>callbot.rtc.bwe.estimate</c>, one value per transport-cc
/// feedback) while a row is measured, for the JSON: the estimate's spread says whether the bot's target, and so its
/// rendition and FEC headroom, held under loss. On bot → bot both bots' estimates mix.
/// </summary>
internal sealed class EstimateSampler : IDisposable
{
    private const string InstrumentName = "callbot.rtc.bwe.estimate";
    private readonly MeterListener _listener = new();
    private readonly List<long> _values = [];
    private bool _collecting;

    public EstimateSampler()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == InstrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            lock (_values)
            {
                if (_collecting)
                {
                    _values.Add(value);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Starts a new window: earlier values are dropped.</summary>
    public void Start()
    {
        lock (_values)
        {
            _values.Clear();
            _collecting = true;
        }
    }

    /// <summary>Ends the window: the 10th, 50th and 90th percentile in kbit/s, or null when no feedback arrived.</summary>
    public EstimateSpread? Stop()
    {
        lock (_values)
        {
            _collecting = false;
            if (_values.Count == 0)
            {
                return null;
            }

            _values.Sort();
            long At(double q) => _values[(int)Math.Min(_values.Count - 1, q * _values.Count)] / 1000;
            return new EstimateSpread(At(0.1), At(0.5), At(0.9), _values.Count);
        }
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>Percentiles of the send-side estimate over a measured row (kbit/s) and how many feedbacks gave them.</summary>
internal sealed record EstimateSpread(long P10Kbps, long P50Kbps, long P90Kbps, int Feedbacks);
