using CallBot.Abstractions;
using CallBot.Load.Quality;

namespace CallBot.Worker.Calls;

/// <summary>
/// Receives the peer's frames of one m-line on the receive loop: counts them, notes the first one, and hands each to the
/// recorder, the observer (load quality) and (echo mode) back to our own sender; for video, counts freezes by the W3C
/// definition on each assembled frame's arrival, on its RTP timestamp and on a modelled renderer's playout clock
/// (<see cref="ReceivedVideoFreezes"/>: the stream as shown without a playout buffer, as the recording plays it, and as
/// a renderer with an adaptive playout buffer shows it). Allocates nothing per frame.
/// </summary>
internal sealed class RemoteFrameTap(MediaKind kind, TimeProvider time, long startTimestamp, Action<MediaKind, TimeSpan> firstFrame) : IEncodedFrameSink
{
    private long _frames;
    private long _bytes;
    private long _echoed;
    private int _seenFirst;
    private volatile IEncodedFrameSink? _recorder;
    private volatile IEncodedFrameSink? _echo;
    // Every RTP video payload format runs at 90 kHz (RFC 7741 §4.1 for VP8, RFC 6184 §8.2.1 for H.264).
    private readonly ReceivedVideoFreezes? _freezes = kind == MediaKind.Video ? new ReceivedVideoFreezes(time.TimestampFrequency, clockRate: 90_000) : null;
    private volatile IRemoteStreamObserver? _observer;

    public MediaKind Kind { get; } = kind;

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Frames sent back to the peer (echo mode).</summary>
    public long Echoed => Interlocked.Read(ref _echoed);

    /// <summary>Freezes and pauses of the received video on arrival (empty for audio); written by the receive loop, read as a snapshot.</summary>
    public FreezeFigures ArrivalFreezes => _freezes?.Arrival ?? default;

    /// <summary>Freezes and pauses of the received video on its own timeline, as the recording plays it (empty for audio).</summary>
    public FreezeFigures TimelineFreezes => _freezes?.Timeline ?? default;

    /// <summary>Freezes and pauses of the received video at the render times of a modelled adaptive playout buffer (<see cref="PlayoutClock"/>; empty for audio).</summary>
    public FreezeFigures PlayoutFreezes => _freezes?.Playout ?? default;

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
        _freezes?.OnFrame(time.GetTimestamp(), frame.Timestamp);
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
