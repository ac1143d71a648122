using CallBot.Abstractions;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Counts complete frames (and keyframes) a receive stream assembles, without copying them; records when each keyframe
/// arrived and lets a test await "at least N frames" or "a keyframe after timestamp T" instead of sleeping.
/// </summary>
internal sealed class FrameCounter : IEncodedFrameSink
{
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly List<long> _keyFrameArrivals = [];
    private long _frames;
    private long _keyFrames;
    private CodecId? _codec;

    public long Frames => Interlocked.Read(ref _frames);

    public long KeyFrames => Interlocked.Read(ref _keyFrames);

    public CodecId? Codec
    {
        get
        {
            lock (_lock)
            {
                return _codec;
            }
        }
    }

    public void OnFrame(in EncodedFrame frame)
    {
        lock (_lock)
        {
            _codec = frame.Codec;
            Interlocked.Increment(ref _frames);
            if (frame.IsKeyFrame)
            {
                Interlocked.Increment(ref _keyFrames);
                _keyFrameArrivals.Add(TimeProvider.System.GetTimestamp());
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Condition())
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    public Task WaitForFramesAsync(long count, TimeSpan timeout) => WaitAsync(() => Interlocked.Read(ref _frames) >= count, timeout);

    /// <summary>Completes with the arrival timestamp (TimeProvider.System) of the first keyframe after <paramref name="after"/>.</summary>
    public async Task<long> WaitForKeyFrameAfterAsync(long after, TimeSpan timeout)
    {
        await WaitAsync(() => FirstKeyFrameAfter(after) is not null, timeout);
        lock (_lock)
        {
            return FirstKeyFrameAfter(after)!.Value;
        }
    }

    private long? FirstKeyFrameAfter(long after)
    {
        foreach (var arrival in _keyFrameArrivals)
        {
            if (arrival > after)
            {
                return arrival;
            }
        }

        return null;
    }

    private Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (condition())
            {
                return Task.CompletedTask;
            }

            _waiters.Add((condition, done));
        }

        return done.Task.WaitAsync(timeout);
    }
}
