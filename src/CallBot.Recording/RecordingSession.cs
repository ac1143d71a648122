using System.Text.Json;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Recording.Ffmpeg;
using CallBot.Recording.Naming;
using CallBot.Recording.Sidecar;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Recording;

/// <summary>
/// The recordings of one call session: one <see cref="ParticipantRecorder"/> per remote participant, the JSON sidecar,
/// and the optional composite. <see cref="FinalizeAsync"/> is idempotent and bounded in time, so hang-up, remote stop,
/// disconnect release and host shutdown may all call it.
/// </summary>
public sealed partial class RecordingSession : IAsyncDisposable
{
    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly RecordingMetrics? _metrics;
    private readonly RecordingPathBuilder _paths;
    private readonly List<ParticipantRecorder> _recorders = [];
    private readonly Lock _gate = new();
    private Task<SessionSidecar>? _finalizeTask;

    public RecordingSession(string sessionId, RecordingOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, RecordingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SessionId = sessionId;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<RecordingSession>();
        _metrics = metrics;
        _paths = new RecordingPathBuilder(options.RootDirectory);
        StartedAt = _time.GetUtcNow();
        if (!_paths.TryBuild(options.SidecarTemplate, sessionId, null, StartedAt, ".json", out var sidecar))
        {
            throw new InvalidOperationException($"Recording sidecar template '{options.SidecarTemplate}' leaves the recordings root.");
        }

        SidecarPath = sidecar;
    }

    public string SessionId { get; }

    public DateTimeOffset StartedAt { get; }

    public string SidecarPath { get; }

    public IReadOnlyList<ParticipantRecorder> Participants
    {
        get
        {
            lock (_gate)
            {
                return [.. _recorders];
            }
        }
    }

    /// <summary>
    /// Creates and starts the recorder for a remote participant (a rejoin gets a new file). The returned recorder
    /// may already be <see cref="RecordingStatus.Failed"/> (unwritable directory): the call goes on regardless.
    /// </summary>
    /// <exception cref="InvalidOperationException">The configured template leaves the recordings root.</exception>
    public ParticipantRecorder AddParticipant(string userId, CodecId? audioCodec, CodecId? videoCodec)
    {
        var startedAt = _time.GetUtcNow();
        if (!_paths.TryBuild(_options.PathTemplate, SessionId, userId, startedAt, ParticipantRecorder.ExtensionFor(videoCodec), out var path))
        {
            throw new InvalidOperationException($"Recording template '{_options.PathTemplate}' leaves the recordings root.");
        }

        ParticipantRecorder recorder;
        lock (_gate)
        {
            if (_finalizeTask is not null)
            {
                throw new InvalidOperationException("The session's recordings are already finalized.");
            }

            path = Unique(path);
            recorder = new ParticipantRecorder(userId, path, audioCodec, videoCodec, _options, _time, _loggerFactory.CreateLogger<ParticipantRecorder>(), _metrics);
            _recorders.Add(recorder);
        }

        recorder.Start(_paths.Root);
        return recorder;
    }

    /// <summary>Stops every recorder, builds the composite if enabled, writes the sidecar. Same task for every caller.</summary>
    public Task<SessionSidecar> FinalizeAsync()
    {
        lock (_gate)
        {
            _finalizeTask ??= Task.Run(FinalizeCoreAsync);
            return _finalizeTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FinalizeAsync().ConfigureAwait(false);
        foreach (var recorder in Participants)
        {
            await recorder.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<SessionSidecar> FinalizeCoreAsync()
    {
        var recorders = Participants;
        var stops = new Task<ParticipantRecordingInfo>[recorders.Count];
        for (var i = 0; i < recorders.Count; i++)
        {
            stops[i] = recorders[i].StopAsync();
        }

        var infos = await Task.WhenAll(stops).ConfigureAwait(false);
        var sidecar = new SessionSidecar
        {
            SessionId = SessionId,
            StartedAtUtc = StartedAt,
            EndedAtUtc = _time.GetUtcNow(),
            FinalizeStatus = OverallStatus(infos),
        };
        foreach (var original in infos)
        {
            var info = original.Clone();
            info.File = info.File is null ? null : Relative(info.File);
            info.Mp4File = info.Mp4File is null ? null : Relative(info.Mp4File);
            sidecar.Participants.Add(info);
        }

        if (_options.Composite)
        {
            await BuildCompositeAsync(recorders, infos, sidecar).ConfigureAwait(false);
        }

        WriteSidecar(sidecar);
        return sidecar;
    }

    private static string OverallStatus(ParticipantRecordingInfo[] infos)
    {
        var good = 0;
        var bad = 0;
        foreach (var info in infos)
        {
            if (info.Status is RecordingStatus.Completed or RecordingStatus.Empty)
            {
                good++;
            }
            else
            {
                bad++;
            }
        }

        return bad == 0 ? "completed" : good > 0 || infos.Length > bad ? "partial" : "failed";
    }

    private async Task BuildCompositeAsync(IReadOnlyList<ParticipantRecorder> recorders, ParticipantRecordingInfo[] infos, SessionSidecar sidecar)
    {
        var inputs = new List<CompositeBuilder.Input>();
        DateTimeOffset? earliest = null;
        foreach (var info in infos)
        {
            if (info.TimelineOriginUtc is { } origin && info.Status is RecordingStatus.Completed or RecordingStatus.TimedOut)
            {
                earliest = earliest is null || origin < earliest ? origin : earliest;
            }
        }

        for (var i = 0; i < infos.Length; i++)
        {
            var info = infos[i];
            if (info.TimelineOriginUtc is not { } origin || info.Status is not (RecordingStatus.Completed or RecordingStatus.TimedOut))
            {
                continue;
            }

            inputs.Add(new CompositeBuilder.Input(recorders[i].OutputPath, info.Video?.FramesWritten > 0, info.Audio?.FramesWritten > 0, origin - earliest!.Value));
        }

        if (inputs.Count == 0 || !_paths.TryBuild(_options.CompositeTemplate, SessionId, null, StartedAt, ".webm", out var output))
        {
            sidecar.CompositeError = inputs.Count == 0 ? "no usable recording" : "composite template leaves the recordings root";
            return;
        }

        try
        {
            OwnerOnlyFiles.EnsureDirectoryFor(_paths.Root, output);
            output = OwnerOnlyFiles.CreateUniqueEmptyFile(output);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            sidecar.CompositeError = ex.Message;
            return;
        }

        var (ok, error) = await FfmpegJob.RunAsync(_options.FfmpegPath, CompositeBuilder.BuildArguments(inputs, output), _options.PostProcessTimeout).ConfigureAwait(false);
        if (ok)
        {
            sidecar.CompositeFile = Relative(output);
        }
        else
        {
            sidecar.CompositeError = error;
            LogSidecarFailed(_logger, SessionId, "composite: " + error);
        }
    }

    private void WriteSidecar(SessionSidecar sidecar)
    {
        try
        {
            OwnerOnlyFiles.EnsureDirectoryFor(_paths.Root, SidecarPath);
            using var stream = OwnerOnlyFiles.CreateForWrite(SidecarPath);
            JsonSerializer.Serialize(stream, sidecar, SidecarJsonContext.Default.SessionSidecar);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _metrics?.Failure("sidecar");
            LogSidecarFailed(_logger, SessionId, ex.Message);
        }
    }

    private string Relative(string path) => Path.GetRelativePath(_paths.Root, path);

    private string Unique(string path)
    {
        var candidate = path;
        for (var n = 2; File.Exists(candidate) || ContainsPath(candidate); n++)
        {
            candidate = Path.Combine(Path.GetDirectoryName(path)!, $"{Path.GetFileNameWithoutExtension(path)}-{n}{Path.GetExtension(path)}");
        }

        return candidate;
    }

    private bool ContainsPath(string path)
    {
        foreach (var recorder in _recorders)
        {
            if (recorder.OutputPath == path)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 3511, Level = LogLevel.Error, Message = "Recording session {SessionId}: {Message}")]
    private static partial void LogSidecarFailed(ILogger logger, string sessionId, string message);
}
