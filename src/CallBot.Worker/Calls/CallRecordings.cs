using System.Globalization;
using CallBot.Abstractions;
using CallBot.Delivery;
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
    private readonly RecordingDelivery? _delivery;
    private readonly Dictionary<string, RecordingSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="delivery">Upload and webhooks of finalized recordings (null: files stay local, nobody is told).</param>
    public CallRecordings(RecordingOptions? options, TimeProvider time, ILoggerFactory loggers, RecordingMetrics? metrics = null, RecordingDelivery? delivery = null)
    {
        _delivery = delivery;
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

        var userId = remoteUserId.ToString(CultureInfo.InvariantCulture);
        var recorder = session.AddParticipant(userId, audioCodec, videoCodec);
        _delivery?.RecordingStarted(sessionId, userId);
        return recorder;
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
            var sidecar = await session.FinalizeAsync().ConfigureAwait(false);
            // Only journals the upload and queues events (small local writes); never waits for storage or the receiver.
            _delivery?.CallFinalized(sidecar, _options!.RootDirectory, session.SidecarPath);
            return sidecar;
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
