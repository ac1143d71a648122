using System.Globalization;
using CallBot.Abstractions;
using CallBot.Recording;
using CallBot.Recording.Sidecar;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Calls;

/// <summary>
/// The recording sessions of one bot: one <see cref="RecordingSession"/> per call session, one participant per remote
/// user, finalized when the call closes (or at shutdown). Disabled when constructed with null options.
/// </summary>
public sealed class CallRecordings : IAsyncDisposable
{
    private readonly RecordingOptions? _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly RecordingMetrics? _metrics;
    private readonly Dictionary<string, RecordingSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public CallRecordings(RecordingOptions? options, TimeProvider time, ILoggerFactory loggers, RecordingMetrics? metrics = null)
    {
        _options = options;
        _time = time;
        _loggers = loggers;
        _metrics = metrics;
    }

    public bool Enabled => _options is not null;

    public int OpenSessions
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Starts recording <paramref name="remoteUserId"/> in that call; null when recording is off or there is no stream.</summary>
    public ParticipantRecorder? StartParticipant(string sessionId, int remoteUserId, CodecId? audioCodec, CodecId? videoCodec)
    {
        if (_options is null || (audioCodec is null && videoCodec is null))
        {
            return null;
        }

        RecordingSession session;
        lock (_lock)
        {
            if (!_sessions.TryGetValue(sessionId, out session!))
            {
                session = new RecordingSession(sessionId, _options, _time, _loggers, _metrics);
                _sessions.Add(sessionId, session);
            }
        }

        return session.AddParticipant(remoteUserId.ToString(CultureInfo.InvariantCulture), audioCodec, videoCodec);
    }

    /// <summary>Finalizes the call's recordings (files, sidecar); null when nothing was recorded. Idempotent.</summary>
    public async Task<SessionSidecar?> FinalizeAsync(string sessionId)
    {
        RecordingSession? session;
        lock (_lock)
        {
            if (!_sessions.Remove(sessionId, out session))
            {
                return null;
            }
        }

        try
        {
            return await session.FinalizeAsync().ConfigureAwait(false);
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Finalizes every open recording (shutdown).</summary>
    public async Task FinalizeAllAsync()
    {
        string[] ids;
        lock (_lock)
        {
            ids = [.. _sessions.Keys];
        }

        await Task.WhenAll(ids.Select(FinalizeAsync)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await FinalizeAllAsync().ConfigureAwait(false);
}
