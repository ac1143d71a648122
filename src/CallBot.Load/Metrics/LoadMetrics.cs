using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Quality;

namespace CallBot.Load.Metrics;

/// <summary>
/// Aggregates login and call results into the catalog's metrics, overall and per group (<see cref="GroupOf"/>), and into
/// fixed time windows (concurrency, setup-time histogram, outcomes). Thread-safe; called once per login and once per
/// finished call, never per packet. Logins belong to no call and count only overall.
/// </summary>
public sealed class LoadMetrics
{
    private readonly Lock _gate = new();
    /// <summary>The group of calls whose caller belongs to no bot group.</summary>
    public const string NoGroup = "none";

    private readonly Dictionary<string, MetricValue> _metrics;
    private readonly Dictionary<string, Dictionary<string, MetricValue>> _groups = new(StringComparer.Ordinal);
    private readonly ICallMetricListener? _listener;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<(double Start, double End)> _intervals = [];
    private readonly SortedDictionary<int, WindowAccumulator> _windows = [];
    private long _callsFinished;
    private long _callsSucceeded;

    /// <param name="window">The width of the report's time buckets.</param>
    /// <param name="listener">Sees every value as it is recorded (the live exporter); none when null.</param>
    public LoadMetrics(TimeSpan window, ICallMetricListener? listener = null)
    {
        Window = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(1);
        _metrics = NewMetrics();
        _listener = listener;
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

    /// <summary>The group a call's values count in: the caller's bot group, <see cref="NoGroup"/> outside groups.</summary>
    public static string GroupOf(CallResult call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.Intent.Caller.Group ?? NoGroup;
    }

    /// <summary>Records a finished call that started <paramref name="startedAt"/> after the start of the run.</summary>
    public void RecordCall(CallResult call, TimeSpan startedAt)
    {
        ArgumentNullException.ThrowIfNull(call);
        var start = startedAt.TotalSeconds;
        var end = start + Math.Max(0, call.Elapsed.TotalSeconds);
        lock (_gate)
        {
            var group = GroupOf(call);
            var values = new CallValues(_metrics, GroupMetrics(group), _listener, call, group);
            values.Count(MetricCatalog.Calls, 1);
            values.Rate(MetricCatalog.CallSuccessRate, call.Succeeded);
            values.Count(MetricCatalog.CallFailures, call.Succeeded ? 0 : 1);
            if (!call.Succeeded)
            {
                AddError(call.FailureReason);
            }

            values.Trend(MetricCatalog.CallAcceptMs, call.AcceptedAfter);
            values.Trend(MetricCatalog.CallSetupMs, call.IceConnectedAfter);
            values.Trend(MetricCatalog.FirstFrameMs, call.FirstRemoteFrameAfter);
            foreach (var handshake in call.DtlsHandshakes)
            {
                values.Trend(MetricCatalog.DtlsHandshakeMs, handshake);
            }

            values.Count(MetricCatalog.IceRestarts, call.IceRestarts);
            values.Count(MetricCatalog.ChatReconnects, call.ChatReconnects);
            var freezes = 0;
            foreach (var stream in call.Streams)
            {
                var video = stream.Kind == MediaKind.Video;
                values.Trend(video ? MetricCatalog.VideoPacketLoss : MetricCatalog.AudioPacketLoss, stream.LossFraction);
                values.Trend(video ? MetricCatalog.VideoJitterMs : MetricCatalog.AudioJitterMs, stream.JitterMs);
                if (stream.RttMs is { } rtt)
                {
                    values.Trend(MetricCatalog.RttMs, rtt);
                }

                if (stream.FramesSent > 0)
                {
                    values.Trend(MetricCatalog.FramesReceivedRatio, (double)stream.FramesReceived / stream.FramesSent);
                }

                freezes += stream.Freezes;
                if (AudioMos.Of(stream) is { } mos)
                {
                    values.Trend(MetricCatalog.AudioMos, mos);
                }
            }

            // One count per call, zeros included, so the live series of every group exists before its first freeze.
            values.Count(MetricCatalog.Freezes, freezes);

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
            return Copy(_metrics);
        }
    }

    /// <summary>A copy of every metric of every group that finished a call (group → metric → value).</summary>
    public Dictionary<string, Dictionary<string, MetricValue>> GroupSnapshot()
    {
        lock (_gate)
        {
            var copy = new Dictionary<string, Dictionary<string, MetricValue>>(StringComparer.Ordinal);
            foreach (var (group, metrics) in _groups)
            {
                copy[group] = Copy(metrics);
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

    private static Dictionary<string, MetricValue> Copy(Dictionary<string, MetricValue> metrics)
    {
        var copy = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
        foreach (var (name, value) in metrics)
        {
            var clone = new MetricValue(value.Kind);
            clone.Add(value);
            copy[name] = clone;
        }

        return copy;
    }

    private static Dictionary<string, MetricValue> NewMetrics()
    {
        var metrics = new Dictionary<string, MetricValue>(StringComparer.Ordinal);
        foreach (var (name, kind) in MetricCatalog.Kinds)
        {
            metrics[name] = new MetricValue(kind);
        }

        return metrics;
    }

    /// <summary>The group's metrics; groups come from the scenario (a bounded list), so this map is bounded too.</summary>
    private Dictionary<string, MetricValue> GroupMetrics(string group)
    {
        if (!_groups.TryGetValue(group, out var metrics))
        {
            metrics = NewMetrics();
            _groups[group] = metrics;
        }

        return metrics;
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

/// <summary>
/// Sees every value <see cref="LoadMetrics"/> records for a call, as it is recorded (the live exporter), with the group
/// it counted in (the listener never decides a group itself, so live series and the report split alike).
/// </summary>
public interface ICallMetricListener
{
    void Trend(CallResult result, string group, string metric, double value);

    void Rate(CallResult result, string group, string metric, bool pass);

    void Count(CallResult result, string group, string metric, double by);
}

/// <summary>Records one call's values overall, in one group and to the listener: the three always see the same values.</summary>
internal readonly struct CallValues(Dictionary<string, MetricValue> all, Dictionary<string, MetricValue> groupMetrics, ICallMetricListener? listener, CallResult call, string group)
{
    public void Trend(string metric, double value)
    {
        all[metric].Record(value);
        groupMetrics[metric].Record(value);
        listener?.Trend(call, group, metric, value);
    }

    public void Trend(string metric, TimeSpan? value)
    {
        if (value is { } v)
        {
            Trend(metric, v.TotalMilliseconds);
        }
    }

    public void Rate(string metric, bool pass)
    {
        all[metric].RecordRate(pass);
        groupMetrics[metric].RecordRate(pass);
        listener?.Rate(call, group, metric, pass);
    }

    public void Count(string metric, double by)
    {
        all[metric].Increment(by);
        groupMetrics[metric].Increment(by);
        listener?.Count(call, group, metric, by);
    }
}
