using CallBot.Abstractions;
using CallBot.Load.Quality;

namespace CallBot.Worker.Calls;

/// <summary>
/// Receives the peer's frames of one m-line on the receive loop: counts them, notes the first one, and hands each to the
/// recorder, the observer (load quality) and (echo mode) back to our own sender; for video, times freezes by the W3C
/// definition on each assembled frame's arrival (<see cref="FrameRenderStats"/>: what Chromium's <c>freezeCount</c>
/// reports for a rendered stream). Allocates nothing per frame.
/// </summary>
internal sealed class RemoteFrameTap(MediaKind kind, TimeProvider time, long startTimestamp, Action<MediaKind, TimeSpan> firstFrame) : IEncodedFrameSink
{
    private long _frames;
    private long _bytes;
    private long _echoed;
    private int _seenFirst;
    private volatile IEncodedFrameSink? _recorder;
    private volatile IEncodedFrameSink? _echo;
    private readonly FrameRenderStats? _render = kind == MediaKind.Video ? new FrameRenderStats(time.TimestampFrequency) : null;
    private volatile IRemoteStreamObserver? _observer;

    public MediaKind Kind { get; } = kind;

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Frames sent back to the peer (echo mode).</summary>
    public long Echoed => Interlocked.Read(ref _echoed);

    /// <summary>Freezes of the received video (0 for audio); written by the receive loop, read as a snapshot.</summary>
    public int FreezeCount => _render?.FreezeCount ?? 0;

    public TimeSpan TotalFreezesDuration => _render?.TotalFreezesDuration ?? TimeSpan.Zero;

    /// <summary>Gaps over <see cref="FrameRenderStats.PauseGap"/>: counted apart from freezes.</summary>
    public int PauseCount => _render?.PauseCount ?? 0;

    public IEncodedFrameSink? Recorder
    {
        get => _recorder;
        set => _recorder = value;
    }

    public IRemoteStreamObserver? Observer
    {
        get => _observer;
        set => _observer = value;
    }

    public IEncodedFrameSink? Echo
    {
        get => _echo;
        set => _echo = value;
    }

    public void OnFrame(in EncodedFrame frame)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, frame.Data.Length);
        _render?.OnFrame(time.GetTimestamp());
        if (_seenFirst == 0 && Interlocked.Exchange(ref _seenFirst, 1) == 0)
        {
            firstFrame(Kind, time.GetElapsedTime(startTimestamp));
        }

        _observer?.OnRemoteFrame(Kind, frame);
        _recorder?.OnFrame(frame);
        if (_echo is { } echo)
        {
            echo.OnFrame(frame);
            Interlocked.Increment(ref _echoed);
        }
    }
}
