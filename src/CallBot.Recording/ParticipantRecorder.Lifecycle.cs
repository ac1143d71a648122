using System.Globalization;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Mkv;
using Microsoft.Extensions.Logging;

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

        var floor = new FreeSpaceFloor(_options, recordingsRoot);
        if (!floor.HasRoom(out var free))
        {
            return FailStart("disk-full", floor.DiskFullMessage(free));
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
            // Both run on the pipe task, one after the other: the message reports what the failed check measured.
            var lastFree = free;
            muxer = RecordingMuxer.Start(OutputPath, _audioCodec, _videoCodec, _options, OnPipeError,
                () => floor.HasRoom(out lastFree), () => Fail("disk-full", floor.DiskFullMessage(lastFree)));
        }
        catch (FfmpegException ex)
        {
            OwnerOnlyFiles.TryDelete(OutputPath);
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

    private bool FailStart(string reason, string message)
    {
        lock (_gate)
        {
            _status = RecordingStatus.Failed;
            _error = message;
            _endedAt = _time.GetUtcNow();
            _fileKept = false; // not created, or deleted above
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
        var (reason, message) = RecordingMuxer.Classify(tail, "FFmpeg stopped reading the recording stream: " + ex.Message);
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
            var (reason, message) = RecordingMuxer.Classify(muxer.StderrTail, string.Create(CultureInfo.InvariantCulture, $"FFmpeg exited during the recording (code {muxer.ExitCode})"));
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

        // Read before the lock (file I/O); FFmpeg is done with the file.
        var holdsMedia = MatroskaFileCheck.HoldsMedia(OutputPath);
        RecordingOutcome.Result outcome;
        lock (_gate)
        {
            outcome = RecordingOutcome.Decide(_status, _error, exited, _timeline.FramesWritten, exited ? _muxer.ExitCode : 0, _muxer.StderrTail, _options.FinalizeTimeout, holdsMedia);
            (_status, _error, _fileKept) = (outcome.Status, outcome.Error, outcome.FileKept);
        }

        if (!outcome.FileKept)
        {
            OwnerOnlyFiles.TryDelete(OutputPath);
        }

        if (outcome.FailureReason is not null)
        {
            _metrics?.Failure(outcome.FailureReason);
        }

        if (!outcome.FileKept && outcome.Status == RecordingStatus.Failed)
        {
            LogFailed(_logger, UserId, "no-media", outcome.Error!);
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
        var (mp4, error) = await Mp4Remux.RunAsync(_options.FfmpegPath, OutputPath, _videoCodec, _options.PostProcessTimeout).ConfigureAwait(false);
        if (mp4 is null)
        {
            LogFailed(_logger, UserId, "mp4", error);
            return;
        }

        lock (_gate)
        {
            _mp4Path = mp4;
        }
    }

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "Recording {UserId} to {Path}")]
    private static partial void LogStarted(ILogger logger, string userId, string path);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Error, Message = "Recording of {UserId} failed ({Reason}): {Message}")]
    private static partial void LogFailed(ILogger logger, string userId, string reason, string message);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Information, Message = "Recording of {UserId} finalized: {Status}")]
    private static partial void LogFinalized(ILogger logger, string userId, RecordingStatus status);
}
