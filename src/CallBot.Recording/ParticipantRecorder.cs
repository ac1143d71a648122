using System.Buffers;
using System.Globalization;
using CallBot.Abstractions;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Mkv;
using CallBot.Recording.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Recording;

/// <summary>
/// Records one remote participant (audio + video) into one Matroska/WebM file through FFmpeg (<c>-c copy</c>).
/// Frames arrive complete and in order per stream (the RTP layer reorders and assembles); this class maps them onto
/// one timeline from RTCP sender reports, waits for a video keyframe, fills audio gaps with Opus silence and hands a
/// live Matroska stream to FFmpeg's stdin. Never throws on bad input or I/O: failures end in <see cref="Status"/>.
/// </summary>
public sealed partial class ParticipantRecorder : IEncodedFrameSink, IAsyncDisposable
{
    private const int AudioTrackNumber = 2;
    private const int VideoTrackNumber = 1;
    private const long MicrosPerMs = 1000;
    private const long MicrosPerSecond = 1_000_000;

    /// <summary>Audio silent this long behind video is filled with silence even before audio resumes.</summary>
    private const long AudioStallFillMs = 1000;

    /// <summary>…up to this far behind the video, so a late audio frame still finds its place.</summary>
    private const long AudioStallFillLagMs = 500;

    /// <summary>
    /// With silence fill, audio is written sample-continuous; when a frame's synchronized time differs from where its
    /// samples land by this much, a 20 ms silence frame is inserted (audio late) or the frame is dropped (audio early).
    /// The remaining A/V error stays within ±15 ms (plus whatever a stream's SR says).
    /// </summary>
    private const long AudioRealignMs = 15;

    /// <summary>How long a broken pipe waits for FFmpeg to exit, so the failure is classified from its stderr.</summary>
    private static readonly TimeSpan PipeErrorGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Audio follows a sync correction at up to half the media time passing (60 ms in 120 ms): audio is sample-continuous,
    /// so following it means dropping or inserting whole 20 ms frames — a few at once at the start of a call, not a glide.
    /// </summary>
    private const double AudioSlewFraction = 0.5;

    /// <summary>Bytes of the muxer's stderr kept: at -loglevel error its last lines say why it stopped, and they go into <see cref="Error"/>.</summary>
    private const int MuxerStderrLimit = 4 * 1024;

    /// <summary>Bound on audio frames held while waiting for the first video keyframe.</summary>
    private const int MaxPendingAudioFrames = 1024;

    private readonly Lock _gate = new();
    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecordingMetrics? _metrics;
    private readonly CodecId? _audioCodec;
    private readonly CodecId? _videoCodec;
    private readonly StreamClock _audioClock;
    private readonly StreamClock _videoClock;
    private readonly StreamStats _audioStats = new();
    private readonly StreamStats _videoStats = new();
    private readonly List<PendingAudio> _pendingAudio = [];

    private RecordingStatus _status = RecordingStatus.Pending;
    private string? _error;
    private FfmpegProcess? _ffmpeg;
    private MkvPipeWriter? _pipe;
    private Task _pipeTask = Task.CompletedTask;
    private Task _monitorTask = Task.CompletedTask;
    private ITimer? _keyFrameTimer;
    private Task<ParticipantRecordingInfo>? _finalizeTask;
    private DateTimeOffset? _endedAt;
    private string? _mp4Path;

    private bool _startCalled;
    private bool _headerWritten;
    private bool _hasVideoTrack;
    private bool _waitingForKeyFrame = true;
    private long _lastKeyFrameRequestTicks = long.MinValue;
    private long _keyFrameRequests;
    private long _originUs;
    private long _lastVideoMs = -1;
    private long _lastAudioMs = -1;
    private long _audioNextMs;
    private long _framesWritten;

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
        if (audioCodec is null && videoCodec is null)
        {
            throw new ArgumentException("A recording needs at least one stream.", nameof(audioCodec));
        }

        if (audioCodec is { } a && a.Kind() != MediaKind.Audio)
        {
            throw new ArgumentException("Not an audio codec.", nameof(audioCodec));
        }

        if (videoCodec is { } v && v.Kind() != MediaKind.Video)
        {
            throw new ArgumentException("Not a video codec.", nameof(videoCodec));
        }

        UserId = userId;
        OutputPath = outputPath;
        _audioCodec = audioCodec;
        _videoCodec = videoCodec;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ParticipantRecorder>.Instance;
        _metrics = metrics;
        var jumpUs = (long)options.TimestampJumpThreshold.TotalMicroseconds;
        _audioClock = new StreamClock(CodecId.Opus.ClockRate(), jumpUs, AudioSlewFraction);
        _videoClock = new StreamClock(90_000, jumpUs, slew: false);
        _audioStats.Codec = audioCodec?.EncodingName() ?? string.Empty;
        _videoStats.Codec = videoCodec?.EncodingName() ?? string.Empty;
        _waitingForKeyFrame = videoCodec is not null;
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
    internal int? FfmpegProcessId => _ffmpeg?.Id;

    /// <summary>The container extension for these codecs: .webm for VP8 (or audio only), .mkv for H.264.</summary>
    public static string ExtensionFor(CodecId? videoCodec) => videoCodec == CodecId.H264 ? ".mkv" : ".webm";

    /// <inheritdoc />
    public void OnFrame(in EncodedFrame frame)
    {
        var requestKeyFrame = false;
        lock (_gate)
        {
            if (_status != RecordingStatus.Recording)
            {
                return;
            }

            var kind = frame.Codec.Kind();
            var stats = kind == MediaKind.Audio ? _audioStats : _videoStats;
            stats.FramesReceived++;
            stats.BytesReceived += frame.Data.Length;
            if (frame.Codec != (kind == MediaKind.Audio ? _audioCodec : _videoCodec) || frame.Data.IsEmpty)
            {
                Drop(stats, DropReason.Other);
                return;
            }

            var arrivalUs = _time.GetUtcNow().ToUnixTimeMilliseconds() * MicrosPerMs;
            if (kind == MediaKind.Video)
            {
                var wallUs = _videoClock.ToWallMicroseconds(frame.Timestamp, arrivalUs);
                requestKeyFrame = OnVideoFrameLocked(frame, wallUs);
            }
            else
            {
                _audioClock.TargetOffsetUs = _videoCodec is null ? 0 : _videoClock.PendingOffsetUs;
                var wallUs = _audioClock.ToWallMicroseconds(frame.Timestamp, arrivalUs);
                OnAudioFrameLocked(frame, wallUs);
            }
        }

        if (requestKeyFrame)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    /// <summary>The RTP layer gave up on some frames of this stream (loss after NACK wait, or a mute gap).</summary>
    public void OnGap(MediaKind kind)
    {
        var requestKeyFrame = false;
        lock (_gate)
        {
            if (kind == MediaKind.Audio)
            {
                _audioStats.Gaps++;
                return;
            }

            _videoStats.Gaps++;
            requestKeyFrame = BeginWaitingForKeyFrameLocked();
        }

        if (requestKeyFrame)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    /// <summary>An RTCP sender report for this stream: NTP wall time ↔ 32-bit RTP timestamp (RFC 3550 §6.4.1).</summary>
    public void OnSenderReport(MediaKind kind, ulong ntpTimestamp, uint rtpTimestamp)
    {
        lock (_gate)
        {
            var clock = kind == MediaKind.Audio ? _audioClock : _videoClock;
            clock.OnSenderReport(ntpTimestamp, rtpTimestamp);
            (kind == MediaKind.Audio ? _audioStats : _videoStats).SenderReports++;
        }
    }

    /// <summary>The stream's RTP timeline restarted (new SSRC, ICE restart): the same file continues.</summary>
    public void OnStreamRestarted(MediaKind kind)
    {
        var requestKeyFrame = false;
        lock (_gate)
        {
            if (kind == MediaKind.Audio)
            {
                _audioClock.Restart();
                _audioStats.Restarts++;
                return;
            }

            _videoClock.Restart();
            _videoStats.Restarts++;
            requestKeyFrame = BeginWaitingForKeyFrameLocked();
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
                File = OutputPath,
                Mp4File = _mp4Path,
                StartedAtUtc = StartedAt,
                EndedAtUtc = _endedAt,
                TimelineOriginUtc = _headerWritten ? DateTimeOffset.FromUnixTimeMilliseconds(_originUs / MicrosPerMs) : null,
                Status = _status,
                Error = _error,
                KeyFrameRequests = _keyFrameRequests,
                AudioOnly = _headerWritten && !_hasVideoTrack,
                DurationMs = Math.Max(_lastVideoMs, _audioNextMs),
                Audio = _audioCodec is null ? null : SnapshotStats(_audioStats, _audioClock),
                Video = _videoCodec is null ? null : SnapshotStats(_videoStats, _videoClock),
            };
        }
    }

    private static StreamStats SnapshotStats(StreamStats stats, StreamClock clock)
    {
        var copy = stats.Clone();
        copy.LastSyncCorrectionMs = clock.LastCorrectionUs / 1000.0;
        copy.SyncedBySenderReports = clock.Synchronized;
        copy.TimestampJumps = clock.TimestampJumps;
        return copy;
    }

    /// <summary>
    /// The failure reason and operator message for FFmpeg's stderr. The muxer reads only its stdin pipe, so a file FFmpeg
    /// cannot open (permission denied, no such directory) is its output.
    /// </summary>
    private static (string Reason, string Message) Classify(string stderrTail, string fallback) => FfmpegErrorClassifier.Classify(stderrTail) switch
    {
        FfmpegErrorKind.DiskFull => ("disk-full", "Disk full: no space left on device while writing the recording. " + stderrTail),
        FfmpegErrorKind.OutputUnwritable or FfmpegErrorKind.InputMissing => ("unwritable", "Recording file is not writable. " + stderrTail),
        _ => ("ffmpeg-exit", stderrTail.Length > 0 ? fallback + ": " + stderrTail : fallback),
    };
}
