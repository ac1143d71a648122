using System.Diagnostics.Metrics;
using CallBot.Abstractions.Telemetry;

namespace CallBot.Recording;

/// <summary>Recording counters on the shared <c>CallBot</c> meter.</summary>
public sealed class RecordingMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _framesWritten;
    private readonly Counter<long> _framesDropped;
    private readonly Counter<long> _keyFrameRequests;
    private readonly UpDownCounter<long> _active;

    public RecordingMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = CallBotMeter.Create(meterFactory);
        _failures = _meter.CreateCounter<long>("callbot.recording.failures", description: "Recordings stopped by an error (tag: reason)");
        _framesWritten = _meter.CreateCounter<long>("callbot.recording.frames_written");
        _framesDropped = _meter.CreateCounter<long>("callbot.recording.frames_dropped");
        _keyFrameRequests = _meter.CreateCounter<long>("callbot.recording.keyframe_requests");
        _active = _meter.CreateUpDownCounter<long>("callbot.recording.active");
    }

    internal Meter Meter => _meter;

    public void Failure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void FramesWritten(long count) => _framesWritten.Add(count);

    public void FrameDropped() => _framesDropped.Add(1);

    public void KeyFrameRequested() => _keyFrameRequests.Add(1);

    public void Started() => _active.Add(1);

    public void Stopped() => _active.Add(-1);

    public void Dispose() => _meter.Dispose();
}
