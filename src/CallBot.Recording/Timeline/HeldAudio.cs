using System.Buffers;
using CallBot.Abstractions;

namespace CallBot.Recording.Timeline;

/// <summary>
/// Audio frames not yet on the file's timeline, copied to pooled buffers: before the first video keyframe (the file cannot
/// start without it) and while the audio's start settles (<see cref="RecordingTimeline"/>). Each keeps its RTP timestamp,
/// so it is placed by the audio clock's mapping at the time it is written, not the one it had when it arrived.
/// </summary>
internal sealed class HeldAudio
{
    /// <summary>Bound on the frames held (20 s of 20 ms Opus).</summary>
    public const int MaxFrames = 1024;

    private readonly List<Frame> _frames = [];

    public int Count => _frames.Count;

    public bool IsFull => _frames.Count >= MaxFrames;

    /// <summary>The held frames, oldest first (valid until <see cref="Clear"/> or <see cref="Release"/>).</summary>
    public IReadOnlyList<Frame> Frames => _frames;

    /// <summary>Wall time (µs) from the first held frame to the last, as mapped when each arrived.</summary>
    public long WallSpanUs => _frames.Count == 0 ? 0 : _frames[^1].WallUs - _frames[0].WallUs;

    /// <summary>Arrival time (µs) of the first held frame.</summary>
    public long FirstArrivalUs => _frames[0].ArrivalUs;

    public void Hold(in EncodedFrame frame, long durationMs, long wallUs, long arrivalUs)
    {
        var data = frame.Data.Span;
        var buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(buffer);
        _frames.Add(new Frame(buffer, data.Length, durationMs, frame.Timestamp, wallUs, arrivalUs));
    }

    /// <summary>Forgets the frames whose buffers were handed on (to the output).</summary>
    public void Clear() => _frames.Clear();

    /// <summary>Returns every held buffer to the pool; the number of frames dropped so.</summary>
    public int Release()
    {
        foreach (var held in _frames)
        {
            ArrayPool<byte>.Shared.Return(held.Buffer);
        }

        var count = _frames.Count;
        _frames.Clear();
        return count;
    }

    /// <summary>
    /// Where a held frame lands: the audio clock's mapping now, unless that is a jump away from where the frame mapped when it
    /// arrived (the stream restarted or its timestamps jumped while it was held: the new mapping is not its timeline).
    /// </summary>
    public static long PlaceUs(in Frame frame, Sync.StreamClock clock)
    {
        var now = clock.Peek(frame.Timestamp);
        return Math.Abs(now - frame.WallUs) < clock.JumpThresholdUs ? now : frame.WallUs;
    }

    internal readonly record struct Frame(byte[] Buffer, int Length, long DurationMs, long Timestamp, long WallUs, long ArrivalUs);
}
