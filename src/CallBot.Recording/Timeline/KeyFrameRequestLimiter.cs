namespace CallBot.Recording.Timeline;

/// <summary>"Keyframe needed" at once, then at most once per <see cref="RecordingOptions.KeyFrameRequestInterval"/>.</summary>
internal sealed class KeyFrameRequestLimiter(TimeProvider time, TimeSpan interval, RecordingMetrics? metrics)
{
    private long _lastTicks = long.MinValue;

    public long Requests { get; private set; }

    /// <summary>True (and counted) when a request may go out now.</summary>
    public bool TryRequest()
    {
        var now = time.GetTimestamp();
        if (_lastTicks != long.MinValue && now - _lastTicks < (long)(interval.TotalSeconds * time.TimestampFrequency))
        {
            return false;
        }

        _lastTicks = now;
        Requests++;
        metrics?.KeyFrameRequested();
        return true;
    }
}
