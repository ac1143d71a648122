using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Quality;

namespace CallBot.Load.Metrics;

/// <summary>
/// Aggregates login and call results into the catalog's metrics and into fixed time windows (concurrency, setup-time
/// histogram, outcomes). Thread-safe; called once per login and once per finished call, never per packet.
/// </summary>
public sealed class LoadMetrics
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MetricValue> _metrics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<(double Start, double End)> _intervals = [];
    private readonly SortedDictionary<int, WindowAccumulator> _windows = [];
    private long _callsFinished;
    private long _callsSucceeded;

    public LoadMetrics(TimeSpan window)
    {
        Window = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(1);
        foreach (var (name, kind) in MetricCatalog.Kinds)
        {
            _metrics[name] = new MetricValue(kind);
        }
    }

    public TimeSpan Window { get; }

    public long CallsFinished => Interlocked.Read(ref _callsFinished);

    public long CallsSucceeded => Interlocked.Read(ref _callsSucceeded);

    public void RecordLogin(LoginResult login)
    {
        ArgumentNullException.ThrowIfNull(login);
        lock (_gate)
        {
            if (login.Succeeded)
            {
                _metrics[MetricCatalog.ChatLoginMs].Record(login.Elapsed.TotalMilliseconds);
            }
            else
            {
                AddError("login:" + (login.ErrorReason ?? "unknown"));
            }
        }
    }

    /// <summary>Records a finished call that started <paramref name="startedAt"/> after the start of the run.</summary>
    public void RecordCall(CallResult call, TimeSpan startedAt)
    {
        ArgumentNullException.ThrowIfNull(call);
        var start = startedAt.TotalSeconds;
        var end = start + Math.Max(0, call.Elapsed.TotalSeconds);
        lock (_gate)
        {
            _metrics[MetricCatalog.Calls].Increment();
            _metrics[MetricCatalog.CallSuccessRate].RecordRate(call.Succeeded);
            if (!call.Succeeded)
            {
                _metrics[MetricCatalog.CallFailures].Increment();
                AddError(call.FailureReason);
            }

            Record(MetricCatalog.CallAcceptMs, call.AcceptedAfter);
            Record(MetricCatalog.CallSetupMs, call.IceConnectedAfter);
            Record(MetricCatalog.FirstFrameMs, call.FirstRemoteFrameAfter);
            foreach (var handshake in call.DtlsHandshakes)
            {
                _metrics[MetricCatalog.DtlsHandshakeMs].Record(handshake.TotalMilliseconds);
            }

            _metrics[MetricCatalog.IceRestarts].Increment(call.IceRestarts);
            _metrics[MetricCatalog.ChatReconnects].Increment(call.ChatReconnects);
            foreach (var stream in call.Streams)
            {
                var video = stream.Kind == MediaKind.Video;
                _metrics[video ? MetricCatalog.VideoPacketLoss : MetricCatalog.AudioPacketLoss].Record(stream.LossFraction);
                _metrics[video ? MetricCatalog.VideoJitterMs : MetricCatalog.AudioJitterMs].Record(stream.JitterMs);
                if (stream.RttMs is { } rtt)
                {
                    _metrics[MetricCatalog.RttMs].Record(rtt);
                }

                if (stream.FramesSent > 0)
                {
                    _metrics[MetricCatalog.FramesReceivedRatio].Record((double)stream.FramesReceived / stream.FramesSent);
                }

                _metrics[MetricCatalog.Freezes].Increment(stream.Freezes);
                if (AudioMos.Of(stream) is { } mos)
                {
                    _metrics[MetricCatalog.AudioMos].Record(mos);
                }
            }

            _intervals.Add((start, end));
            var startWindow = WindowAt(start);
            startWindow.Started++;
            if (call.IceConnectedAfter is { } setup)
            {
                startWindow.Setup.Record(setup.TotalMilliseconds);
            }

            var endWindow = WindowAt(end);
            endWindow.Finished++;
            if (call.Succeeded)
            {
                endWindow.Succeeded++;
            }
        }

        Interlocked.Increment(ref _callsFinished);
        if (call.Succeeded)
        {
            Interlocked.Increment(ref _callsSucceeded);
        }
    }

    /// <summary>A copy of every metric (safe to read while calls still finish).</summary>
    public Dictionary<string, MetricValue> Snapshot()
    {
        lock (_gate)
        {
            var copy = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
            foreach (var (name, value) in _metrics)
            {
                var clone = new MetricValue(value.Kind);
                clone.Add(value);
                copy[name] = clone;
            }

            return copy;
        }
    }

    public Dictionary<string, long> Errors()
    {
        lock (_gate)
        {
            return new Dictionary<string, long>(_errors, StringComparer.Ordinal);
        }
    }

    /// <summary>The time series: one entry per window from 0 to the last call's end, concurrency time-averaged per window.</summary>
    public List<WindowData> Windows()
    {
        lock (_gate)
        {
            var width = Window.TotalSeconds;
            var last = _windows.Count == 0 ? -1 : _windows.Keys.Max();
            var active = new double[last + 1];
            foreach (var (start, end) in _intervals)
            {
                for (var w = (int)Math.Floor(start / width); w <= last && w * width < end; w++)
                {
                    var overlap = Math.Min(end, (w + 1) * width) - Math.Max(start, w * width);
                    if (overlap > 0)
                    {
                        active[w] += overlap / width;
                    }
                }
            }

            var result = new List<WindowData>(last + 1);
            for (var w = 0; w <= last; w++)
            {
                _windows.TryGetValue(w, out var acc);
                result.Add(new WindowData
                {
                    StartSeconds = w * width,
                    ActiveCalls = Math.Round(active[w], 3),
                    Started = acc?.Started ?? 0,
                    Finished = acc?.Finished ?? 0,
                    Succeeded = acc?.Succeeded ?? 0,
                    Setup = (acc?.Setup ?? new LogHistogram()).ToData(),
                });
            }

            return result;
        }
    }

    private void Record(string metric, TimeSpan? value)
    {
        if (value is { } v)
        {
            _metrics[metric].Record(v.TotalMilliseconds);
        }
    }

    private void AddError(string reason) => _errors[reason] = _errors.GetValueOrDefault(reason) + 1;

    private WindowAccumulator WindowAt(double seconds)
    {
        var index = Math.Max(0, (int)Math.Floor(seconds / Window.TotalSeconds));
        if (!_windows.TryGetValue(index, out var window))
        {
            window = new WindowAccumulator();
            _windows[index] = window;
        }

        return window;
    }

    private sealed class WindowAccumulator
    {
        public long Started { get; set; }

        public long Finished { get; set; }

        public long Succeeded { get; set; }

        public LogHistogram Setup { get; } = new();
    }
}

/// <summary>One time bucket of the report's series.</summary>
public sealed class WindowData
{
    public double StartSeconds { get; set; }

    /// <summary>Average number of calls in progress during the window.</summary>
    public double ActiveCalls { get; set; }

    public long Started { get; set; }

    public long Finished { get; set; }

    public long Succeeded { get; set; }

    /// <summary>Call setup (call → ICE connected) of the calls that started in this window.</summary>
    public HistogramData Setup { get; set; } = new();
}
