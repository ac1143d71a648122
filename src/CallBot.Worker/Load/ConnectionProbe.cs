using CallBot.Abstractions;
using CallBot.Load.Quality;
using CallBot.Rtc;
using CallBot.Worker.Calls;
using CallBot.Worker.Rtc;

namespace CallBot.Worker.Load;

/// <summary>
/// What the load driver keeps about one peer connection (one bot's side of one call with one remote user): ICE
/// restarts, the quality of each received stream (<see cref="ReceivedStreamQuality"/>: glass-to-glass delay, W3C
/// freezes, fps per second, audio concealment) fed by the receive path and sampled by the <see cref="StreamMonitor"/>,
/// gaps over 500 ms, and the final frame and RTP counters read when the connection is disposed.
/// </summary>
internal sealed class ConnectionProbe : IRemoteStreamObserver
{
    private const int AudioClockRate = 48_000;
    private const int VideoClockRate = 90_000;

    private readonly PeerConnectionAdapter _adapter;
    private readonly FreezeDetector _video = new();
    private readonly FreezeDetector _audio = new();
    private readonly ReceivedStreamQuality _videoQuality;
    private readonly ReceivedStreamQuality _audioQuality;
    private int _iceRestarts;
    private volatile bool _closed;

    public ConnectionProbe(string sessionId, int localUserId, int remoteUserId, PeerConnectionAdapter adapter, TimeProvider time)
    {
        SessionId = sessionId;
        LocalUserId = localUserId;
        RemoteUserId = remoteUserId;
        _adapter = adapter;
        _videoQuality = new ReceivedStreamQuality(MediaKind.Video, VideoClockRate, time);
        _audioQuality = new ReceivedStreamQuality(MediaKind.Audio, AudioClockRate, time);
        adapter.Media.Observer = this;
    }

    public string SessionId { get; }

    public int LocalUserId { get; }

    public int RemoteUserId { get; }

    public bool Closed => _closed;

    public int IceRestarts => Volatile.Read(ref _iceRestarts);

    private CallMediaStats? _finalFrames;
    private PeerConnectionStats? _finalRtp;

    /// <summary>Frame counters: final once the connection is closed, live before.</summary>
    public CallMediaStats Frames => _finalFrames ?? _adapter.GetStats();

    /// <summary>RTP counters: captured just before the connection closed, live before.</summary>
    public PeerConnectionStats Rtp => _finalRtp ?? _adapter.PeerConnection.GetStats();

    /// <summary>Gaps over <see cref="Driver.StreamResult.FreezeGap"/> (W3C video freezes: <see cref="Quality"/>).</summary>
    public int Freezes(MediaKind kind) => kind == MediaKind.Video ? _video.Freezes : _audio.Freezes;

    public ReceivedStreamReport Quality(MediaKind kind) => (kind == MediaKind.Video ? _videoQuality : _audioQuality).Report();

    public void OnRemoteFrame(MediaKind kind, in EncodedFrame frame) => (kind == MediaKind.Video ? _videoQuality : _audioQuality).OnFrame(frame);

    public void OnSenderReport(MediaKind kind, SenderReportSample report) =>
        (kind == MediaKind.Video ? _videoQuality : _audioQuality).OnSenderReport(NtpTime.ToUnixMicroseconds(report.NtpTime), report.RtpTimestamp);

    public void CountIceRestart() => Interlocked.Increment(ref _iceRestarts);

    /// <summary>One monitor tick: feeds the received-frame counters to the gap detectors and closes the streams' seconds.</summary>
    public void Sample(long nowTimestamp, TimeProvider time)
    {
        if (_closed)
        {
            return;
        }

        var stats = _adapter.Media.GetStats();
        _video.Observe(stats.VideoFramesReceived, nowTimestamp, time);
        _audio.Observe(stats.AudioFramesReceived, nowTimestamp, time);
        _videoQuality.Sample(nowTimestamp);
        _audioQuality.Sample(nowTimestamp);
    }

    /// <summary>Before the connection is disposed: the RTP counters (loss, jitter) while the connection still has them.</summary>
    public void CaptureRtp() => _finalRtp = _adapter.PeerConnection.GetStats();

    /// <summary>After the connection is disposed: its final frame counters; the monitor stops sampling it.</summary>
    public void Close()
    {
        _finalFrames = _adapter.GetStats();
        _adapter.Media.Observer = null;
        _closed = true;
    }
}

/// <summary>
/// Counts inter-frame gaps longer than <see cref="Driver.StreamResult.FreezeGap"/> from periodic samples of a received-frame
/// counter (the <c>freezes</c> metric; the W3C video freezes of <c>video_freezes</c> come from <see cref="FrameRenderStats"/>). A gap counts only once frames resume (a call's end is not a freeze), and only the part of it that samples
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
