using System.Buffers;
using System.Globalization;
using CallBot.Abstractions;
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

    private RecordingStatus _status = RecordingStatus.Pending;
    private string? _error;
    private FfmpegProcess? _ffmpeg;
    private MkvPipeWriter? _pipe;
    private Task _pipeTask = Task.CompletedTask;
    private ITimer? _keyFrameTimer;
    private Task<ParticipantRecordingInfo>? _finalizeTask;
    private DateTimeOffset? _endedAt;
    private string? _mp4Path;

    private bool _headerWritten;
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
        _audioClock = new StreamClock(CodecId.Opus.ClockRate(), jumpUs);
        _videoClock = new StreamClock(90_000, jumpUs);
        _audioStats.Codec = audioCodec?.EncodingName() ?? string.Empty;
        _videoStats.Codec = videoCodec?.EncodingName() ?? string.Empty;
        _waitingForKeyFrame = videoCodec is not null;
        StartedAt = _time.GetUtcNow();
    }

    /// <summary>Raised (rate-limited) while the recording needs a video keyframe; the caller sends a PLI/FIR.</summary>
    public event Action? KeyFrameNeeded;

    public string UserId { get; }

    public string OutputPath { get; }

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
    internal int? FfmpegProcessId => _ffmpeg?.ProcessId;

    /// <summary>The container extension for these codecs: .webm for VP8 (or audio only), .mkv for H.264.</summary>
    public static string ExtensionFor(CodecId? videoCodec) => videoCodec == CodecId.H264 ? ".mkv" : ".webm";

    /// <summary>
    /// Creates the directories (0700) and file (0600) and starts FFmpeg. Returns false, with <see cref="Error"/> set
    /// and the failure counted, when the directory is unwritable or FFmpeg cannot start; never throws for those.
    /// </summary>
    public bool Start(string recordingsRoot)
    {
        lock (_gate)
        {
            if (_status != RecordingStatus.Pending)
            {
                return _status == RecordingStatus.Recording;
            }

            _status = RecordingStatus.Recording;
        }

        try
        {
            OwnerOnlyFiles.EnsureDirectoryFor(recordingsRoot, OutputPath);
            OwnerOnlyFiles.CreateEmptyFile(OutputPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FailStart("unwritable", $"Recording directory is not writable: {ex.Message}");
        }

        try
        {
            _ffmpeg = FfmpegProcess.Start(_options.FfmpegPath, BuildArguments(), withInput: true);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return FailStart("ffmpeg-start", $"FFmpeg could not start ({_options.FfmpegPath}): {ex.Message}");
        }

        _pipe = new MkvPipeWriter(_ffmpeg.Input!, _options.MaxQueuedFrames, OnPipeError);
        _pipeTask = Task.Run(_pipe.RunAsync);
        _ = MonitorFfmpegAsync(_ffmpeg);
        _metrics?.Started();
        if (_videoCodec is not null)
        {
            _keyFrameTimer = _time.CreateTimer(static s => ((ParticipantRecorder)s!).OnKeyFrameTimer(), this, TimeSpan.Zero, _options.KeyFrameRequestInterval);
        }

        LogStarted(_logger, UserId, OutputPath);
        return true;
    }

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

    /// <summary>
    /// Ends the recording: closes FFmpeg's input, waits up to <see cref="RecordingOptions.FinalizeTimeout"/>, kills it
    /// if needed, produces the MP4 if asked. Idempotent: every caller gets the same task. Never throws.
    /// </summary>
    public Task<ParticipantRecordingInfo> StopAsync()
    {
        lock (_gate)
        {
            _finalizeTask ??= Task.Run(FinalizeCoreAsync);
            return _finalizeTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ffmpeg is not null)
        {
            await _ffmpeg.DisposeAsync().ConfigureAwait(false);
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

    private bool OnVideoFrameLocked(in EncodedFrame frame, long wallUs)
    {
        if (_waitingForKeyFrame)
        {
            if (!frame.IsKeyFrame)
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return TryRequestKeyFrameLocked();
            }

            if (!_headerWritten && !TryWriteHeaderLocked(frame, wallUs))
            {
                _videoStats.FramesDroppedBeforeKeyFrame++;
                return TryRequestKeyFrameLocked();
            }

            _waitingForKeyFrame = false;
            _keyFrameTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        var ms = ToFileMs(wallUs);
        if (ms < 0)
        {
            Drop(_videoStats, DropReason.Late);
            return BeginWaitingForKeyFrameLocked();
        }

        ms = Math.Max(ms, _lastVideoMs + 1);
        if (!EnqueueFrameLocked(frame, VideoTrackNumber, ms, _videoStats))
        {
            return BeginWaitingForKeyFrameLocked();
        }

        _videoStats.StartOffsetMs ??= ms;
        _lastVideoMs = ms;
        FillAudioBehindVideoLocked(ms);
        return false;
    }

    private void OnAudioFrameLocked(in EncodedFrame frame, long wallUs)
    {
        if (!_headerWritten)
        {
            if (_videoCodec is not null)
            {
                _audioStats.FramesDroppedBeforeKeyFrame++;
                _metrics?.FrameDropped();
                return;
            }

            if (!TryWriteHeaderLocked(frame, wallUs))
            {
                return;
            }
        }

        var ms = ToFileMs(wallUs);
        if (ms < 0 || ms + DurationMs(frame) <= _audioNextMs - OpusSilence.FrameDurationMs)
        {
            // Before the first written frame, or inside silence already written for a stall.
            Drop(_audioStats, DropReason.Late);
            return;
        }

        if (_options.FillAudioGapsWithSilence)
        {
            FillSilenceLocked(ms);
        }

        ms = Math.Max(ms, _lastAudioMs + 1);
        if (EnqueueFrameLocked(frame, AudioTrackNumber, ms, _audioStats))
        {
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = Math.Max(_audioNextMs, ms + DurationMs(frame));
        }
    }

    private static long DurationMs(in EncodedFrame frame) =>
        frame.Duration > 0 ? frame.Duration * 1000L / frame.Codec.ClockRate() : OpusSilence.FrameDurationMs;

    private void FillAudioBehindVideoLocked(long videoMs)
    {
        if (_audioCodec is null || !_options.FillAudioGapsWithSilence || _lastAudioMs < 0 || videoMs - _audioNextMs < AudioStallFillMs)
        {
            return;
        }

        FillSilenceLocked(videoMs - AudioStallFillLagMs);
    }

    /// <summary>Writes 20 ms silence frames from the end of the last audio frame up to <paramref name="untilMs"/>.</summary>
    private void FillSilenceLocked(long untilMs)
    {
        if (untilMs - _audioNextMs < 2 * OpusSilence.FrameDurationMs)
        {
            return;
        }

        var silence = OpusSilence.For(_options.AudioChannels);
        while (_audioNextMs + OpusSilence.FrameDurationMs <= untilMs)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(silence.Length);
            silence.CopyTo(buffer);
            var ms = Math.Max(_audioNextMs, _lastAudioMs + 1);
            if (!_pipe!.TryEnqueue(new MuxItem(buffer, silence.Length, AudioTrackNumber, ms, true, false, true)))
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _audioStats.FramesDroppedQueueFull++;
                return;
            }

            _audioStats.SilenceFramesInserted++;
            _audioStats.StartOffsetMs ??= ms;
            _lastAudioMs = ms;
            _audioNextMs = ms + OpusSilence.FrameDurationMs;
        }
    }

    private long ToFileMs(long wallUs) => (long)Math.Round((wallUs - _originUs) / (double)MicrosPerMs, MidpointRounding.AwayFromZero);

    private bool TryWriteHeaderLocked(in EncodedFrame first, long wallUs)
    {
        var tracks = new List<MkvTrack>(2);
        if (_videoCodec is { } video)
        {
            if (video == CodecId.Vp8)
            {
                if (!Vp8KeyFrame.TryReadSize(first.Data.Span, out var width, out var height))
                {
                    return false;
                }

                tracks.Add(new MkvTrack(VideoTrackNumber, video, [], width, height));
            }
            else
            {
                if (!AnnexB.TryBuildAvcConfig(first.Data.Span, out var avcC))
                {
                    return false;
                }

                tracks.Add(new MkvTrack(VideoTrackNumber, video, avcC));
            }
        }

        if (_audioCodec is { } audio)
        {
            tracks.Add(new MkvTrack(AudioTrackNumber, audio, OpusHead.Build(_options.AudioChannels), Channels: _options.AudioChannels));
        }

        var writer = new EbmlWriter(512);
        MatroskaLiveWriter.WriteHeader(writer, tracks, webm: _videoCodec != CodecId.H264);
        var header = writer.Written.ToArray();
        if (!_pipe!.TryEnqueue(new MuxItem(header, header.Length, 0, 0, false, true, false)))
        {
            return false;
        }

        _originUs = wallUs;
        _headerWritten = true;
        return true;
    }

    private bool EnqueueFrameLocked(in EncodedFrame frame, int track, long ms, StreamStats stats)
    {
        var data = frame.Data.Span;
        byte[] buffer;
        int length;
        if (frame.Codec == CodecId.H264)
        {
            buffer = ArrayPool<byte>.Shared.Rent(AnnexB.MaxConvertedLength(data.Length));
            length = AnnexB.ConvertToLengthPrefixed(data, buffer);
            if (length <= 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Drop(stats, DropReason.Other);
                return false;
            }
        }
        else
        {
            buffer = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(buffer);
            length = data.Length;
        }

        if (!_pipe!.TryEnqueue(new MuxItem(buffer, length, track, ms, frame.IsKeyFrame, false, true)))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            Drop(stats, DropReason.QueueFull);
            return false;
        }

        stats.FramesWritten++;
        _framesWritten++;
        _metrics?.FramesWritten(1);
        return true;
    }

    private void Drop(StreamStats stats, DropReason reason)
    {
        switch (reason)
        {
            case DropReason.Late:
                stats.FramesDroppedLate++;
                break;
            case DropReason.QueueFull:
                stats.FramesDroppedQueueFull++;
                break;
            default:
                stats.FramesDroppedOther++;
                break;
        }

        _metrics?.FrameDropped();
    }

    private bool BeginWaitingForKeyFrameLocked()
    {
        if (_videoCodec is null || _status != RecordingStatus.Recording)
        {
            return false;
        }

        if (!_waitingForKeyFrame)
        {
            _waitingForKeyFrame = true;
            _keyFrameTimer?.Change(_options.KeyFrameRequestInterval, _options.KeyFrameRequestInterval);
        }

        return TryRequestKeyFrameLocked();
    }

    private bool TryRequestKeyFrameLocked()
    {
        var now = _time.GetTimestamp();
        var interval = (long)(_options.KeyFrameRequestInterval.TotalSeconds * _time.TimestampFrequency);
        if (_lastKeyFrameRequestTicks != long.MinValue && now - _lastKeyFrameRequestTicks < interval)
        {
            return false;
        }

        _lastKeyFrameRequestTicks = now;
        _keyFrameRequests++;
        _metrics?.KeyFrameRequested();
        return true;
    }

    private void OnKeyFrameTimer()
    {
        bool request;
        lock (_gate)
        {
            request = _waitingForKeyFrame && _status == RecordingStatus.Recording && TryRequestKeyFrameLocked();
        }

        if (request)
        {
            KeyFrameNeeded?.Invoke();
        }
    }

    private bool FailStart(string reason, string message)
    {
        lock (_gate)
        {
            _status = RecordingStatus.Failed;
            _error = message;
            _endedAt = _time.GetUtcNow();
        }

        _metrics?.Failure(reason);
        LogFailed(_logger, UserId, reason, message);
        return false;
    }

    private void Fail(string reason, string message)
    {
        lock (_gate)
        {
            if (_status is not (RecordingStatus.Recording or RecordingStatus.Finalizing))
            {
                return;
            }

            _status = RecordingStatus.Failed;
            _error = message;
            _endedAt ??= _time.GetUtcNow();
        }

        _metrics?.Failure(reason);
        LogFailed(_logger, UserId, reason, message);
        _pipe?.Complete();
    }

    private void OnPipeError(Exception ex)
    {
        var tail = _ffmpeg?.StderrTail ?? string.Empty;
        var (reason, message) = Classify(tail, "FFmpeg stopped reading the recording stream: " + ex.Message);
        Fail(reason, message);
    }

    private async Task MonitorFfmpegAsync(FfmpegProcess ffmpeg)
    {
        await ffmpeg.WaitAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        bool unexpected;
        lock (_gate)
        {
            unexpected = _status == RecordingStatus.Recording;
        }

        if (unexpected)
        {
            var (reason, message) = Classify(ffmpeg.StderrTail, string.Create(CultureInfo.InvariantCulture, $"FFmpeg exited during the recording (code {ffmpeg.ExitCode})"));
            Fail(reason, message);
        }
    }

    private static (string Reason, string Message) Classify(string stderrTail, string fallback)
    {
        if (stderrTail.Contains("No space left on device", StringComparison.OrdinalIgnoreCase))
        {
            return ("disk-full", "Disk full: no space left on device while writing the recording. " + stderrTail);
        }

        if (stderrTail.Contains("Permission denied", StringComparison.OrdinalIgnoreCase)
            || stderrTail.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
        {
            return ("unwritable", "Recording file is not writable. " + stderrTail);
        }

        return ("ffmpeg-exit", stderrTail.Length > 0 ? fallback + ": " + stderrTail : fallback);
    }

    private async Task<ParticipantRecordingInfo> FinalizeCoreAsync()
    {
        bool wasRecording;
        lock (_gate)
        {
            wasRecording = _status == RecordingStatus.Recording;
            if (wasRecording)
            {
                _status = RecordingStatus.Finalizing;
            }

            _endedAt ??= _time.GetUtcNow();
        }

        if (_keyFrameTimer is not null)
        {
            await _keyFrameTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_ffmpeg is null)
        {
            return Snapshot();
        }

        _pipe?.Complete();
        var exited = false;
        try
        {
            await _pipeTask.WaitAsync(_options.FinalizeTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // FFmpeg stopped reading; the kill below ends the write that hangs.
        }

        exited = await _ffmpeg.CloseAndWaitAsync(_options.FinalizeTimeout).ConfigureAwait(false);
        _metrics?.Stopped();

        long written;
        string? failureReason = null;
        lock (_gate)
        {
            written = _framesWritten;
            if (_status == RecordingStatus.Finalizing)
            {
                if (!exited)
                {
                    _status = RecordingStatus.TimedOut;
                    failureReason = "finalize-timeout";
                    _error = $"FFmpeg did not finish within {_options.FinalizeTimeout.TotalSeconds:0.#} s and was killed; the file plays up to its last cluster.";
                }
                else if (written == 0)
                {
                    _status = RecordingStatus.Empty;
                }
                else if (_ffmpeg.ExitCode != 0)
                {
                    _status = RecordingStatus.Failed;
                    (failureReason, _error) = Classify(_ffmpeg.StderrTail, $"FFmpeg exited with code {_ffmpeg.ExitCode}");
                }
                else
                {
                    _status = RecordingStatus.Completed;
                }
            }
        }

        if (failureReason is not null)
        {
            _metrics?.Failure(failureReason);
        }

        if (Status == RecordingStatus.Empty)
        {
            TryDelete(OutputPath);
        }

        if (_options.ProduceMp4 && Status is RecordingStatus.Completed or RecordingStatus.TimedOut)
        {
            await ProduceMp4Async().ConfigureAwait(false);
        }

        LogFinalized(_logger, UserId, Status);
        return Snapshot();
    }

    private async Task ProduceMp4Async()
    {
        var mp4 = Path.ChangeExtension(OutputPath, ".mp4");
        try
        {
            OwnerOnlyFiles.CreateEmptyFile(mp4);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(_logger, UserId, "mp4", ex.Message);
            return;
        }

        var (ok, error) = await FfmpegProcess.RunAsync(_options.FfmpegPath, Mp4Arguments(OutputPath, mp4, _videoCodec), _options.PostProcessTimeout).ConfigureAwait(false);
        if (ok)
        {
            lock (_gate)
            {
                _mp4Path = mp4;
            }
        }
        else
        {
            TryDelete(mp4);
            LogFailed(_logger, UserId, "mp4", error);
        }
    }

    /// <summary>
    /// MP4 at finalize: H.264 is copied; VP8 has no MP4 mapping FFmpeg accepts, so it is re-encoded to H.264 there
    /// (off the live path). Opus is copied. <c>+faststart</c> moves the index to the front for progressive playback.
    /// </summary>
    internal static IEnumerable<string> Mp4Arguments(string input, string output, CodecId? videoCodec)
    {
        List<string> args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", input, "-map", "0"];
        if (videoCodec == CodecId.Vp8)
        {
            args.AddRange(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]);
        }
        else
        {
            args.AddRange(["-c:v", "copy"]);
        }

        args.AddRange(["-c:a", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", output]);
        return args;
    }

    private List<string> BuildArguments()
    {
        var clusterMs = ((long)_options.ClusterTimeLimit.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        return
        [
            "-hide_banner", "-loglevel", "error", "-nostats",
            "-f", "matroska", "-analyzeduration", "0", "-probesize", "65536",
            "-i", "pipe:0",
            "-map", "0", "-c", "copy",
            "-f", _videoCodec == CodecId.H264 ? "matroska" : "webm",
            "-cluster_time_limit", clusterMs,
            "-flush_packets", "1",
            "-max_interleave_delta", (MicrosPerSecond).ToString(CultureInfo.InvariantCulture),
            "-y", OutputPath,
        ];
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Leaving an empty file behind is harmless.
        }
    }

    private enum DropReason
    {
        Other,
        Late,
        QueueFull,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {UserId} to {Path}")]
    private static partial void LogStarted(ILogger logger, string userId, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording of {UserId} failed ({Reason}): {Message}")]
    private static partial void LogFailed(ILogger logger, string userId, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording of {UserId} finalized: {Status}")]
    private static partial void LogFinalized(ILogger logger, string userId, RecordingStatus status);
}
