using CallBot.Abstractions;
using CallBot.Rtc;
using CallBot.Worker.Calls;
using CallBot.Worker.Rtc;

namespace CallBot.Worker.Load;

/// <summary>
/// What the load driver keeps about one peer connection (one bot's side of one call with one remote user): ICE
/// restarts, freezes per kind from the <see cref="StreamMonitor"/>, and the final frame and RTP counters read when the
/// connection is disposed.
/// </summary>
internal sealed class ConnectionProbe(string sessionId, int localUserId, int remoteUserId, PeerConnectionAdapter adapter)
{
    private readonly FreezeDetector _video = new();
    private readonly FreezeDetector _audio = new();
    private int _iceRestarts;
    private volatile bool _closed;

    public string SessionId { get; } = sessionId;

    public int LocalUserId { get; } = localUserId;

    public int RemoteUserId { get; } = remoteUserId;

    public bool Closed => _closed;

    public int IceRestarts => Volatile.Read(ref _iceRestarts);

    private CallMediaStats? _finalFrames;
    private PeerConnectionStats? _finalRtp;

    /// <summary>Frame counters: final once the connection is closed, live before.</summary>
    public CallMediaStats Frames => _finalFrames ?? adapter.GetStats();

    /// <summary>RTP counters: captured just before the connection closed, live before.</summary>
    public PeerConnectionStats Rtp => _finalRtp ?? adapter.PeerConnection.GetStats();

    public int Freezes(MediaKind kind) => kind == MediaKind.Video ? _video.Freezes : _audio.Freezes;

    public void CountIceRestart() => Interlocked.Increment(ref _iceRestarts);

    /// <summary>One monitor tick: feeds the received-frame counters to the freeze detectors.</summary>
    public void Sample(long nowTimestamp, TimeProvider time)
    {
        if (_closed)
        {
            return;
        }

        var stats = adapter.Media.GetStats();
        _video.Observe(stats.VideoFramesReceived, nowTimestamp, time);
        _audio.Observe(stats.AudioFramesReceived, nowTimestamp, time);
    }

    /// <summary>Before the connection is disposed: the RTP counters (loss, jitter) while the connection still has them.</summary>
    public void CaptureRtp() => _finalRtp = adapter.PeerConnection.GetStats();

    /// <summary>After the connection is disposed: its final frame counters; the monitor stops sampling it.</summary>
    public void Close()
    {
        _finalFrames = adapter.GetStats();
        _closed = true;
    }
}

/// <summary>
/// Counts inter-frame gaps longer than <see cref="Driver.StreamResult.FreezeGap"/> from periodic samples of a received-frame
/// counter. A gap counts only once frames resume (a call's end is not a freeze), and only the part of it that samples
/// saw with no new frame, so slow sampling can under-count a freeze but never invent one.
/// </summary>
internal sealed class FreezeDetector
{
    private long _lastCount;
    private long _lastIncrease;
    private long _lastStill;
    private int _freezes;

    public int Freezes => Volatile.Read(ref _freezes);

    public void Observe(long count, long now, TimeProvider time)
    {
        if (count == _lastCount)
        {
            if (count > 0)
            {
                _lastStill = now;
            }

            return;
        }

        if (_lastCount > 0 && _lastStill > _lastIncrease && time.GetElapsedTime(_lastIncrease, _lastStill) > CallBot.Load.Driver.StreamResult.FreezeGap)
        {
            Interlocked.Increment(ref _freezes);
        }

        _lastCount = count;
        _lastIncrease = now;
        _lastStill = now;
    }
}
