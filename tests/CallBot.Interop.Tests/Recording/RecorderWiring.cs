using CallBot.Abstractions;
using CallBot.Recording;
using CallBot.Rtc;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Connects a CallBot peer's receiving transceivers to a <see cref="ParticipantRecorder"/> the way the product will:
/// RemoteFrameSink → OnFrame, SenderReportReceived → OnSenderReport, RemoteGap → OnGap,
/// recorder.KeyFrameNeeded → video.RequestKeyFrame. Counts what passed so tests can await progress.
/// </summary>
internal sealed class RecorderWiring : IEncodedFrameSink, IDisposable
{
    private const int FramesLogged = 60;

    private readonly RtpTransceiver _audio;
    private readonly RtpTransceiver _video;
    private readonly ParticipantRecorder _recorder;
    private readonly Lock _lock = new();
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private long _audioFrames;
    private long _videoFrames;
    private long _videoKeyFrames;
    private long _senderReports;
    private long _gaps;
    private long _keyFrameRequests;
    private readonly List<(MediaKind Kind, ulong Ntp, uint Rtp, DateTimeOffset At)> _senderReportLog = [];
    private readonly List<(MediaKind Kind, long Timestamp, DateTimeOffset At)> _firstFramesLog = [];

    public RecorderWiring(RtpTransceiver audio, RtpTransceiver video, ParticipantRecorder recorder)
    {
        _audio = audio;
        _video = video;
        _recorder = recorder;
        audio.RemoteFrameSink = this;
        video.RemoteFrameSink = this;
        audio.SenderReportReceived += OnAudioSenderReport;
        video.SenderReportReceived += OnVideoSenderReport;
        audio.RemoteGap += OnAudioGap;
        video.RemoteGap += OnVideoGap;
        recorder.KeyFrameNeeded += OnKeyFrameNeeded;
    }

    public long AudioFrames => Interlocked.Read(ref _audioFrames);

    public long VideoFrames => Interlocked.Read(ref _videoFrames);

    public long VideoKeyFrames => Interlocked.Read(ref _videoKeyFrames);

    public long SenderReports => Interlocked.Read(ref _senderReports);

    /// <summary>RemoteGap events of the video stream (frames the RTP layer gave up on).</summary>
    public long VideoGaps => Interlocked.Read(ref _gaps);

    /// <summary>Times the recorder asked for a keyframe (each became a RequestKeyFrame → PLI).</summary>
    public long KeyFrameRequests => Interlocked.Read(ref _keyFrameRequests);

    /// <summary>RTP timestamp of the first frame of each kind that reached the recorder (null until one did).</summary>
    public long? FirstAudioTimestamp { get; private set; }

    public long? FirstVideoTimestamp { get; private set; }

    /// <summary>The first frames of each kind that reached the recorder: RTP timestamp and arrival (for the sync tests' diagnostics).</summary>
    public IReadOnlyList<(MediaKind Kind, long Timestamp, DateTimeOffset At)> FirstFramesLog
    {
        get
        {
            lock (_lock)
            {
                return [.. _firstFramesLog];
            }
        }
    }

    /// <summary>Every sender report passed to the recorder, in arrival order (for the sync tests' diagnostics).</summary>
    public IReadOnlyList<(MediaKind Kind, ulong Ntp, uint Rtp, DateTimeOffset At)> SenderReportLog
    {
        get
        {
            lock (_lock)
            {
                return [.. _senderReportLog];
            }
        }
    }

    /// <summary>Wall time the first video keyframe arrived: the recording's t = 0 (taken on the receive thread, not after an await).</summary>
    public DateTimeOffset? FirstKeyFrameAt { get; private set; }

    /// <summary>Wall time of the first frame of either kind: the recording's t = 0 (audio is recorded from its first frame).</summary>
    public DateTimeOffset? FirstFrameAt { get; private set; }

    /// <summary>Wall time of the latest video gap and of the first keyframe after it (null until each happened).</summary>
    public DateTimeOffset? LastVideoGapAt { get; private set; }

    public DateTimeOffset? FirstKeyFrameAfterGapAt { get; private set; }

    public void OnFrame(in EncodedFrame frame)
    {
        if (FirstFrameAt is null)
        {
            lock (_lock)
            {
                FirstFrameAt ??= DateTimeOffset.UtcNow;
            }
        }

        if (_audioFrames + _videoFrames < FramesLogged)
        {
            lock (_lock)
            {
                _firstFramesLog.Add((frame.Codec.Kind(), frame.Timestamp, DateTimeOffset.UtcNow));
            }
        }

        if (frame.Codec.Kind() == MediaKind.Audio)
        {
            FirstAudioTimestamp ??= frame.Timestamp;
            Interlocked.Increment(ref _audioFrames);
        }
        else
        {
            FirstVideoTimestamp ??= frame.Timestamp;
            Interlocked.Increment(ref _videoFrames);
            if (frame.IsKeyFrame)
            {
                Interlocked.Increment(ref _videoKeyFrames);
                lock (_lock)
                {
                    FirstKeyFrameAt ??= DateTimeOffset.UtcNow;
                    if (LastVideoGapAt is not null && FirstKeyFrameAfterGapAt is null)
                    {
                        FirstKeyFrameAfterGapAt = DateTimeOffset.UtcNow;
                    }
                }
            }
        }

        _recorder.OnFrame(frame);
        CheckWaiters();
    }

    /// <summary>Completes when <paramref name="condition"/> holds (checked on every frame and event); fails after <paramref name="timeout"/>.</summary>
    public Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
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

    public void Dispose()
    {
        _audio.RemoteFrameSink = null;
        _video.RemoteFrameSink = null;
        _audio.SenderReportReceived -= OnAudioSenderReport;
        _video.SenderReportReceived -= OnVideoSenderReport;
        _audio.RemoteGap -= OnAudioGap;
        _video.RemoteGap -= OnVideoGap;
        _recorder.KeyFrameNeeded -= OnKeyFrameNeeded;
    }

    private void OnAudioSenderReport(object? sender, RemoteSenderReport sr) => OnSenderReport(MediaKind.Audio, sr);

    private void OnVideoSenderReport(object? sender, RemoteSenderReport sr) => OnSenderReport(MediaKind.Video, sr);

    private void OnSenderReport(MediaKind kind, RemoteSenderReport sr)
    {
        lock (_lock)
        {
            _senderReportLog.Add((kind, sr.NtpTime, sr.RtpTimestamp, DateTimeOffset.UtcNow));
        }

        _recorder.OnSenderReport(kind, sr.NtpTime, sr.RtpTimestamp);
        Interlocked.Increment(ref _senderReports);
        CheckWaiters();
    }

    private void OnAudioGap(object? sender, FrameGap gap) => _recorder.OnGap(MediaKind.Audio);

    private void OnVideoGap(object? sender, FrameGap gap)
    {
        lock (_lock)
        {
            LastVideoGapAt = DateTimeOffset.UtcNow;
            FirstKeyFrameAfterGapAt = null;
        }

        Interlocked.Increment(ref _gaps);
        _recorder.OnGap(MediaKind.Video);
        CheckWaiters();
    }

    private void OnKeyFrameNeeded()
    {
        Interlocked.Increment(ref _keyFrameRequests);
        _video.RequestKeyFrame();
    }

    private void CheckWaiters()
    {
        lock (_lock)
        {
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
}
