using CallBot.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>Keeps a copy of every frame received and completes a task when enough have arrived.</summary>
internal sealed class FrameCollector : IEncodedFrameSink
{
    private readonly Lock _lock = new();
    private readonly List<EncodedFrame> _frames = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<EncodedFrame> Frames
    {
        get
        {
            lock (_lock)
            {
                return [.. _frames];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _frames.Count;
            }
        }
    }

    public void OnFrame(in EncodedFrame frame)
    {
        lock (_lock)
        {
            _frames.Add(frame with { Data = frame.Data.ToArray() });
            foreach (var (count, done) in _waiters)
            {
                if (_frames.Count >= count)
                {
                    done.TrySetResult();
                }
            }
        }
    }

    public Task WaitForAsync(int count, TimeSpan timeout)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_frames.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, done));
        }

        return done.Task.WaitAsync(timeout);
    }
}
