using CallBot.Abstractions;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Timeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Recording;

/// <summary>
/// Records one remote participant (audio + video) into one Matroska/WebM file. The coordinator of three parts: the
/// <see cref="RecordingTimeline"/> decides where each frame lands (sync from RTCP sender reports, keyframe gate, Opus
/// silence fill), the <see cref="RecordingMuxer"/> owns FFmpeg and the pipe into it, and this class owns the lock, the
/// status, start, failure and bounded finalization. Frames arrive complete and in order per stream (the RTP layer reorders
/// and assembles). Never throws on bad input or I/O: failures end in <see cref="Status"/>.
/// </summary>
public sealed partial class ParticipantRecorder : IEncodedFrameSink, IAsyncDisposable
{
    /// <summary>How long a broken pipe waits for FFmpeg to exit, so the failure is classified from its stderr.</summary>
    private static readonly TimeSpan PipeErrorGrace = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecordingMetrics? _metrics;
    private readonly CodecId? _audioCodec;
    private readonly CodecId? _videoCodec;
    private readonly RecordingTimeline _timeline;

    private RecordingStatus _status = RecordingStatus.Pending;
    private string? _error;
    private RecordingMuxer? _muxer;
    private Task _monitorTask = Task.CompletedTask;
    private ITimer? _keyFrameTimer;
    private bool _keyFrameTimerRunning;
    private Task<ParticipantRecordingInfo>? _finalizeTask;
    private DateTimeOffset? _endedAt;
    private string? _mp4Path;
    private bool _startCalled;

    /// <summary>False once it is known there is no recording file at <see cref="OutputPath"/> (never created, or deleted).</summary>
    private bool _fileKept = true;

    public ParticipantRecorder(
        string userId,
        string outputPath,
        CodecId? audioCodec,
        CodecId? videoCodec,
        RecordingOptions options,
        TimeProvider? timeProvider = null,
        ILogger<ParticipantRecorder>? logger = null,
        RecordingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _timeline = new RecordingTimeline(audioCodec, videoCodec, options, timeProvider ?? TimeProvider.System, metrics); // validates the codecs
        UserId = userId;
        OutputPath = outputPath;
        _audioCodec = audioCodec;
        _videoCodec = videoCodec;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ParticipantRecorder>.Instance;
        _metrics = metrics;
        StartedAt = _time.GetUtcNow();
    }

    /// <summary>Raised (rate-limited) while the recording needs a video keyframe; the caller sends a PLI/FIR.</summary>
    public event Action? KeyFrameNeeded;

    public string UserId { get; }

    public string OutputPath { get; private set; }

    public DateTimeOffset StartedAt { get; }

    public RecordingStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>Why the recording failed, in words an operator can act on; null when it did not.</summary>
    public string? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>FFmpeg's process id while it runs (tests kill it to prove crash safety).</summary>
    internal int? FfmpegProcessId => _muxer?.ProcessId;

    /// <summary>The container extension for these codecs: .webm for VP8 (or audio only), .mkv for H.264.</summary>
    public static string ExtensionFor(CodecId? videoCodec) => IsWebM(videoCodec) ? ".webm" : ".mkv";

    /// <summary>WebM when the video codec fits in it (audio is always Opus), Matroska otherwise.</summary>
    internal static bool IsWebM(CodecId? videoCodec) => videoCodec is not { } video || CodecTable.Get(video).WebM;

    /// <inheritdoc />
    public void OnFrame(in EncodedFrame frame)
    {
        bool requestKeyFrame;
        lock (_gate)
        {
            if (_status != RecordingStatus.Recording)
            {
                return;
            }

            requestKeyFrame = _timeline.OnFrame(frame, _muxer!);
            SyncKeyFrameTimerLocked();
        }

        if (requestKeyFrame)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    /// <summary>The RTP layer gave up on some frames of this stream (loss after NACK wait, or a mute gap).</summary>
    public void OnGap(MediaKind kind) =>
        ApplyStreamEvent(kind, static (timeline, k, canRequestKeyFrame) => timeline.OnGap(k, canRequestKeyFrame));

    /// <summary>An RTCP sender report for this stream: NTP wall time ↔ 32-bit RTP timestamp (RFC 3550 §6.4.1).</summary>
    public void OnSenderReport(MediaKind kind, ulong ntpTimestamp, uint rtpTimestamp)
    {
        lock (_gate)
        {
            _timeline.OnSenderReport(kind, ntpTimestamp, rtpTimestamp);
        }
    }

    /// <summary>The stream's RTP timeline restarted (new SSRC, ICE restart): the same file continues.</summary>
    public void OnStreamRestarted(MediaKind kind) =>
        ApplyStreamEvent(kind, static (timeline, k, canRequestKeyFrame) => timeline.OnStreamRestarted(k, canRequestKeyFrame));

    /// <summary>A stream event the timeline decides on (under the lock); it may ask for a keyframe (raised outside it).</summary>
    /// <param name="decide">A static lambda (no allocation): timeline, kind, whether a keyframe may be requested now.</param>
    private void ApplyStreamEvent(MediaKind kind, Func<RecordingTimeline, MediaKind, bool, bool> decide)
    {
        bool requestKeyFrame;
        lock (_gate)
        {
            requestKeyFrame = decide(_timeline, kind, _status == RecordingStatus.Recording);
            SyncKeyFrameTimerLocked();
        }

        if (requestKeyFrame)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    public ParticipantRecordingInfo Snapshot()
    {
        lock (_gate)
        {
            return new ParticipantRecordingInfo
            {
                UserId = UserId,
                File = _fileKept ? OutputPath : null,
                Mp4File = _mp4Path,
                StartedAtUtc = StartedAt,
                EndedAtUtc = _endedAt,
                TimelineOriginUtc = _timeline.OriginUtc,
                Status = _status,
                Error = _error,
                KeyFrameRequests = _timeline.KeyFrameRequests,
                AudioOnly = _timeline.AudioOnly,
                DurationMs = _timeline.DurationMs,
                Audio = _timeline.AudioStats,
                Video = _timeline.VideoStats,
            };
        }
    }

    /// <summary>The keyframe-request timer runs exactly while the timeline waits for a keyframe during the recording.</summary>
    private void SyncKeyFrameTimerLocked()
    {
        var wanted = _timeline.WaitingForKeyFrame && _status == RecordingStatus.Recording;
        if (_keyFrameTimer is not null && wanted != _keyFrameTimerRunning)
        {
            _keyFrameTimerRunning = wanted;
            var period = wanted ? _options.KeyFrameRequestInterval : Timeout.InfiniteTimeSpan;
            _keyFrameTimer.Change(period, period);
        }
    }

    private void OnKeyFrameTimer()
    {
        bool request;
        lock (_gate)
        {
            request = _status == RecordingStatus.Recording && _timeline.OnKeyFrameTimer();
        }

        if (request)
        {
            KeyFrameNeeded?.Invoke();
        }
    }
}
