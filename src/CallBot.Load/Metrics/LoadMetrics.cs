using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Quality;

namespace CallBot.Load.Metrics;

/// <summary>
/// Aggregates login and call results into the catalog's metrics, overall, per group (<see cref="GroupSnapshot"/>) and as
/// tagged series (<see cref="MetricCatalog.Tagged"/>), and into fixed time windows (concurrency, setup-time histogram,
/// outcomes, fps). Thread-safe; called once per login and once per finished call, never per packet. Logins belong to no
/// call and count only overall. The group of a value: the caller's bot group for call metrics, the receiver's for stream
/// metrics (<see cref="StreamResult.Group"/>); <see cref="NoGroup"/> outside groups.
/// </summary>
public sealed class LoadMetrics
{
    /// <summary>The group of values whose bot belongs to no bot group.</summary>
    public const string NoGroup = StreamResult.NoGroup;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, MetricValue> _metrics;
    private readonly Dictionary<string, Dictionary<string, MetricValue>> _groups = new(StringComparer.Ordinal);
    private readonly ICallMetricListener? _listener;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly List<(double Start, double End)> _intervals = [];
    private readonly SortedDictionary<int, WindowAccumulator> _windows = [];
    private long _callsFinished;
    private long _callsSucceeded;

    /// <param name="window">The width of the report's time buckets.</param>
    /// <param name="listener">Sees every value as it is recorded (the live exporter), with its group; none when null.</param>
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

    /// <summary>
    /// Records a finished call that started <paramref name="startedAt"/> after the start of the run. Every value also goes
    /// to its group (<see cref="GroupSnapshot"/>), its tagged series (<see cref="MetricCatalog.Tagged"/>) and the listener:
    /// <c>group</c> is the receiver's group for stream metrics and the caller's for call metrics, <c>shape</c> the call's.
    /// Groups and tagged series are bounded by the scenario's groups and shapes.
    /// </summary>
    public void RecordCall(CallResult call, TimeSpan startedAt)
    {
        ArgumentNullException.ThrowIfNull(call);
        var start = startedAt.TotalSeconds;
        var end = start + Math.Max(0, call.Elapsed.TotalSeconds);
        var callGroup = call.Intent.Caller.Group ?? NoGroup;
        var shape = Running.LoadTelemetry.ShapeOf(call.Intent);
        lock (_gate)
        {
            var tags = new Tags(this, call, callGroup, shape);
            tags.Increment(MetricCatalog.Calls, 1);
            tags.RecordRate(MetricCatalog.CallSuccessRate, call.Succeeded);

            // Zeros included, so the live series of every group exists before its first failure.
            tags.Increment(MetricCatalog.CallFailures, call.Succeeded ? 0 : 1);
            if (!call.Succeeded)
            {
                AddError(call.FailureReason);
            }

            tags.Record(MetricCatalog.CallAcceptMs, call.AcceptedAfter);
            tags.Record(MetricCatalog.CallSetupMs, call.IceConnectedAfter);
            tags.Record(MetricCatalog.FirstFrameMs, call.FirstRemoteFrameAfter);
            foreach (var handshake in call.DtlsHandshakes)
            {
                tags.Record(MetricCatalog.DtlsHandshakeMs, handshake.TotalMilliseconds);
            }

            tags.Increment(MetricCatalog.IceRestarts, call.IceRestarts);
            tags.Increment(MetricCatalog.ChatReconnects, call.ChatReconnects);
            foreach (var stream in call.Streams)
            {
                RecordStream(stream, new Tags(this, call, stream.Group, shape), start);
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

    private void RecordStream(StreamResult stream, Tags tags, double callStart)
    {
        var video = stream.Kind == MediaKind.Video;
        tags.Record(video ? MetricCatalog.VideoPacketLoss : MetricCatalog.AudioPacketLoss, stream.LossFraction);
        tags.Record(video ? MetricCatalog.VideoJitterMs : MetricCatalog.AudioJitterMs, stream.JitterMs);
        if (stream.RttMs is { } rtt)
        {
            tags.Record(MetricCatalog.RttMs, rtt);
        }

        if (stream.FramesSent > 0)
        {
            tags.Record(MetricCatalog.FramesReceivedRatio, (double)stream.FramesReceived / stream.FramesSent);
        }

        tags.Increment(MetricCatalog.Freezes, stream.Freezes);
        if (stream.Delay is { } delay)
        {
            tags.AddHistogram(video ? MetricCatalog.VideoDelayMs : MetricCatalog.AudioDelayMs, LogHistogram.FromData(delay));
        }

        if (video)
        {
            tags.Increment(MetricCatalog.VideoFreezes, stream.VideoFreezes);
            tags.Increment(MetricCatalog.VideoPlayoutFreezes, stream.VideoPlayoutFreezes);
            tags.Increment(MetricCatalog.VideoPauses, stream.Pauses);
            tags.Increment(MetricCatalog.VideoUnrecovered, stream.Unrecovered);
            if (stream.FramesReceived > 0)
            {
                tags.Record(MetricCatalog.VideoFreezeMs, stream.FreezeDuration.TotalMilliseconds);
            }

            tags.Record(MetricCatalog.VideoFps, stream.MeanFps);
            tags.Record(MetricCatalog.AvOffsetMs, stream.AvOffsetMs is { } offset ? Math.Abs(offset) : null);
            var heights = stream.Seconds.Where(s => s.Height > 0).ToList();
            if (heights.Count > 0)
            {
                tags.Record(MetricCatalog.VideoHeight, heights.Average(s => s.Height));
            }

            foreach (var recovery in stream.Recoveries)
            {
                tags.Record(MetricCatalog.VideoRecoveryMs, recovery.TotalMilliseconds);
            }

            foreach (var second in stream.Seconds)
            {
                // A sample covers the second before it: its middle places it in a window.
                var window = WindowAt(callStart + second.AtSeconds - 0.5);
                window.VideoFps.Add(second.Fps);
                if (!window.VideoFpsByGroup.TryGetValue(stream.Group, out var group))
                {
                    group = new FpsSum();
                    window.VideoFpsByGroup[stream.Group] = group;
                }

                group.Add(second.Fps);
            }
        }
        else
        {
            tags.Record(MetricCatalog.AudioConcealedShare, stream.ConcealedShare);
        }

        if (AudioMos.Of(stream) is { } mos)
        {
            tags.Record(MetricCatalog.AudioMos, mos);
        }
    }

    private MetricValue Series(string name, string metric)
    {
        if (!_metrics.TryGetValue(name, out var value))
        {
            value = new MetricValue(MetricCatalog.Kinds[metric]);
            _metrics[name] = value;
        }

        return value;
    }

    /// <summary>
    /// A metric overall, in its group, in its group- and shape-tagged series and at the listener, recorded together
    /// (called under the lock, once per call: the small arrays are not a per-packet cost).
    /// </summary>
    private readonly struct Tags(LoadMetrics owner, CallResult call, string group, string shape)
    {
        private MetricValue[] Values(string metric) =>
        [
            owner._metrics[metric],
            owner.GroupMetrics(group)[metric],
            owner.Series(MetricCatalog.Tagged(metric, MetricCatalog.GroupTag, group), metric),
            owner.Series(MetricCatalog.Tagged(metric, MetricCatalog.ShapeTag, shape), metric),
        ];

        public void Record(string metric, double? value)
        {
            if (value is { } v)
            {
                foreach (var series in Values(metric))
                {
                    series.Record(v);
                }

                owner._listener?.Trend(call, group, metric, v);
            }
        }

        public void Record(string metric, TimeSpan? value) => Record(metric, value?.TotalMilliseconds);

        public void RecordRate(string metric, bool pass)
        {
            foreach (var series in Values(metric))
            {
                series.RecordRate(pass);
            }

            owner._listener?.Rate(call, group, metric, pass);
        }

        public void Increment(string metric, double by)
        {
            foreach (var series in Values(metric))
            {
                series.Increment(by);
            }

            owner._listener?.Count(call, group, metric, by);
        }

        /// <summary>A stream's per-frame histogram (glass-to-glass delay): the live series sees the stream's median once.</summary>
        public void AddHistogram(string metric, LogHistogram histogram)
        {
            foreach (var series in Values(metric))
            {
                series.Histogram.Add(histogram);
            }

            if (histogram.Count > 0)
            {
                owner._listener?.Trend(call, group, metric, histogram.Percentile(50));
            }
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

    /// <summary>A copy of every catalog metric of every group that recorded a value (group → metric → value).</summary>
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
                    VideoFps = acc?.VideoFps.Mean,
                    VideoFpsByGroup = acc is null ? [] : acc.VideoFpsByGroup.Where(g => g.Value.Mean is not null).ToDictionary(g => g.Key, g => g.Value.Mean!.Value, StringComparer.Ordinal),
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

        public FpsSum VideoFps { get; } = new();

        public Dictionary<string, FpsSum> VideoFpsByGroup { get; } = new(StringComparer.Ordinal);
    }

    private sealed class FpsSum
    {
        private double _sum;
        private long _count;

        public double? Mean => _count == 0 ? null : Math.Round(_sum / _count, 3);

        public void Add(double fps)
        {
            _sum += fps;
            _count++;
        }
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

    /// <summary>Mean received fps over every video stream's seconds that fell in this window (null: no video received then).</summary>
    public double? VideoFps { get; set; }

    /// <summary><see cref="VideoFps"/> per receiver group.</summary>
    public Dictionary<string, double> VideoFpsByGroup { get; set; } = [];
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
