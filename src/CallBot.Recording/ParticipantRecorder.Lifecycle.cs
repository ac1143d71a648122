using System.Buffers;
using System.Globalization;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Mkv;
using CallBot.Recording.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Recording;

/// <summary>Start, failure handling and bounded finalization.</summary>
public sealed partial class ParticipantRecorder
{
    /// <summary>
    /// Creates the directories (0700) and file (0600) and starts FFmpeg. Returns false, with <see cref="Error"/> set
    /// and the failure counted, when the directory is unwritable or FFmpeg cannot start; never throws for those.
    /// </summary>
    public bool Start(string recordingsRoot)
    {
        lock (_gate)
        {
            if (_status != RecordingStatus.Pending || _startCalled)
            {
                return _status == RecordingStatus.Recording;
            }

            // Frames are ignored until the pipe exists: the status turns Recording only at the end of Start.
            _startCalled = true;
        }

        if (!HasRoom(recordingsRoot, out var free))
        {
            return FailStart("disk-full", DiskFullMessage(free));
        }

        try
        {
            OwnerOnlyFiles.EnsureDirectoryFor(recordingsRoot, OutputPath);
            OutputPath = OwnerOnlyFiles.CreateUniqueEmptyFile(OutputPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FailStart("unwritable", $"Recording directory is not writable: {ex.Message}");
        }

        RecordingMuxer muxer;
        try
        {
            muxer = RecordingMuxer.Start(OutputPath, _audioCodec, _videoCodec, _options, OnPipeError,
                () => HasRoom(recordingsRoot, out _), () => Fail("disk-full", DiskFullMessage(_options.FreeSpaceProbe(recordingsRoot))));
        }
        catch (FfmpegException ex)
        {
            return FailStart("ffmpeg-start", $"FFmpeg could not start ({_options.FfmpegPath}): {ex.Message}");
        }

        lock (_gate)
        {
            _muxer = muxer;
            if (_finalizeTask is null)
            {
                _status = RecordingStatus.Recording;
            }
        }

        if (Status != RecordingStatus.Recording)
        {
            // StopAsync raced with Start: end what was just started.
            muxer.Complete();
            muxer.Kill();
            return false;
        }

        _monitorTask = MonitorFfmpegAsync(muxer);
        _metrics?.Started();
        if (_videoCodec is not null)
        {
            var timer = _time.CreateTimer(static s => ((ParticipantRecorder)s!).OnKeyFrameTimer(), this, TimeSpan.Zero, _options.KeyFrameRequestInterval);
            lock (_gate)
            {
                // Running from now; stopped at once if a keyframe already came.
                _keyFrameTimer = timer;
                _keyFrameTimerRunning = true;
                SyncKeyFrameTimerLocked();
            }
        }

        LogStarted(_logger, UserId, OutputPath);
        return true;
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
        if (_muxer is not null)
        {
            await _muxer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The free-space floor (<see cref="RecordingOptions.MinFreeDiskBytes"/>) holds; a probe that fails counts as no room.</summary>
    private bool HasRoom(string recordingsRoot, out long free)
    {
        free = -1;
        if (_options.MinFreeDiskBytes <= 0)
        {
            return true;
        }

        try
        {
            free = _options.FreeSpaceProbe(recordingsRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }

        return free >= _options.MinFreeDiskBytes;
    }

    private string DiskFullMessage(long free) => string.Create(CultureInfo.InvariantCulture,
        $"Recording stopped: free disk space {free / (1024 * 1024)} MiB is below the {_options.MinFreeDiskBytes / (1024 * 1024)} MiB floor (Recording:MinFreeDiskBytes); the call goes on");

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
            _timeline.ReleaseHeldAudio();

            // Counted before the lock is released: a StopAsync that sees Failed must find the failure counted too.
            _metrics?.Failure(reason);
        }

        LogFailed(_logger, UserId, reason, message);
        _muxer?.Complete();
    }

    private void OnPipeError(Exception ex) => _ = FailOnPipeErrorAsync(ex);

    /// <summary>
    /// The pipe usually breaks because FFmpeg hit an error (disk full, permissions) and is exiting; its stderr says which
    /// only once printed. So FFmpeg gets <see cref="PipeErrorGrace"/> to exit (then its exit is classified, with the full
    /// stderr) before the pipe error itself is reported.
    /// </summary>
    private async Task FailOnPipeErrorAsync(Exception ex)
    {
        try
        {
            await _monitorTask.WaitAsync(PipeErrorGrace, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // FFmpeg still runs but stopped reading: report the pipe error.
        }

        var tail = _muxer?.StderrTail ?? string.Empty;
        var (reason, message) = Classify(tail, "FFmpeg stopped reading the recording stream: " + ex.Message);
        Fail(reason, message);
    }

    private async Task MonitorFfmpegAsync(RecordingMuxer muxer)
    {
        await muxer.WaitForExitAsync().ConfigureAwait(false);
        bool unexpected;
        lock (_gate)
        {
            unexpected = _status == RecordingStatus.Recording;
        }

        if (unexpected)
        {
            var (reason, message) = Classify(muxer.StderrTail, string.Create(CultureInfo.InvariantCulture, $"FFmpeg exited during the recording (code {muxer.ExitCode})"));
            Fail(reason, message);
        }
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
            // Audio came but no video keyframe: the file is audio-only rather than missing.
            _timeline.Finish(wasRecording ? _muxer : null);
            SyncKeyFrameTimerLocked(); // stops it: no Change on the timer once it is disposed below
        }

        if (_keyFrameTimer is not null)
        {
            await _keyFrameTimer.DisposeAsync().ConfigureAwait(false);
        }

        if (_muxer is null)
        {
            return Snapshot();
        }

        var exited = await _muxer.FinishAsync(_options.FinalizeTimeout).ConfigureAwait(false);
        _metrics?.Stopped();

        long written;
        string? failureReason = null;
        lock (_gate)
        {
            written = _timeline.FramesWritten;
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
                else if (_muxer.ExitCode != 0)
                {
                    _status = RecordingStatus.Failed;
                    (failureReason, _error) = Classify(_muxer.StderrTail, $"FFmpeg exited with code {_muxer.ExitCode}");
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
            mp4 = OwnerOnlyFiles.CreateUniqueEmptyFile(mp4);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogFailed(_logger, UserId, "mp4", ex.Message);
            return;
        }

        var (ok, error) = await FfmpegJob.RunAsync(_options.FfmpegPath, Mp4Arguments(OutputPath, mp4, _videoCodec), _options.PostProcessTimeout).ConfigureAwait(false);
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
            // -fps_mode vfr: keep the frames as they are (the 2 ms DefaultDuration is a timestamp grid, not a frame rate).
            args.AddRange(["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-fps_mode", "vfr"]);
        }
        else
        {
            args.AddRange(["-c:v", "copy"]);
        }

        args.AddRange(["-c:a", "copy", "-movflags", "+faststart", "-f", "mp4", "-y", output]);
        return args;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording {UserId} to {Path}")]
    private static partial void LogStarted(ILogger logger, string userId, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording of {UserId} failed ({Reason}): {Message}")]
    private static partial void LogFailed(ILogger logger, string userId, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording of {UserId} finalized: {Status}")]
    private static partial void LogFinalized(ILogger logger, string userId, RecordingStatus status);
}
