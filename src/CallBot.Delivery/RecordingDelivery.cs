using System.Globalization;
using System.Text.Json.Nodes;
using CallBot.Delivery.Upload;
using CallBot.Delivery.Webhooks;
using CallBot.Recording;
using CallBot.Recording.Sidecar;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Delivery;

/// <summary>
/// The recording hook points: what the call path tells delivery. Each method only writes a small file (journal entry,
/// queued event) and returns; uploads and sends happen on <see cref="DeliveryService"/>, so a slow or dead storage or
/// receiver never blocks a call or a recording.
/// </summary>
public sealed class RecordingDelivery : IDisposable
{
    private readonly UploadOptions _upload;
    private readonly UploadJournal _journal;
    private readonly WebhookOutbox _webhooks;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _work = new(0, 1);

    public RecordingDelivery(IOptions<UploadOptions> upload, UploadJournal journal, WebhookOutbox webhooks, DeliveryMetrics metrics, TimeProvider time, ILogger<RecordingDelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(upload);
        _upload = upload.Value;
        _journal = journal;
        _webhooks = webhooks;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public void RecordingStarted(string sessionId, string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        _webhooks.Enqueue(WebhookEventTypes.RecordingStarted, sessionId, userId, new JsonObject
        {
            ["userId"] = userId,
            ["startedAt"] = _time.GetUtcNow().ToString("o", CultureInfo.InvariantCulture),
        });
    }

    /// <summary>The call's recordings are finalized: announce them, journal the upload (or, with uploads off, end the call at once).</summary>
    public void CallFinalized(SessionSidecar sidecar, string rootDirectory, string? sidecarPath)
    {
        ArgumentNullException.ThrowIfNull(sidecar);
        var root = Path.GetFullPath(rootDirectory);
        foreach (var p in sidecar.Participants)
        {
            var failed = p.Status == RecordingStatus.Failed;
            _webhooks.Enqueue(failed ? WebhookEventTypes.RecordingFailed : WebhookEventTypes.RecordingFinalized, sidecar.SessionId, p.UserId, new JsonObject
            {
                ["userId"] = p.UserId,
                ["status"] = p.Status.ToString(),
                ["error"] = p.Error,
                ["file"] = p.File,
                ["durationMs"] = p.DurationMs,
                ["stage"] = failed ? "recording" : null,
            });
        }

        var call = new CallUpload
        {
            SessionId = sidecar.SessionId,
            RootDirectory = root,
            FinalizedAtUtc = _time.GetUtcNow(),
            NextAttemptAtUtc = _time.GetUtcNow(),
            Sidecar = sidecar,
        };
        // Empty recordings keep no file; failed ones were announced as recording.failed above.
        foreach (var p in sidecar.Participants.Where(p => p.Status is not (RecordingStatus.Failed or RecordingStatus.Empty)))
        {
            AddFile(call, p.File, "recording", p.UserId);
            AddFile(call, p.Mp4File, "mp4", p.UserId);
        }

        AddFile(call, sidecar.CompositeFile, "composite", null);
        AddFile(call, sidecarPath is null ? null : Path.GetRelativePath(root, Path.GetFullPath(sidecarPath)), "sidecar", null);
        if (!_upload.Enabled)
        {
            EnqueueCallEnded(call);
            return;
        }

        call.ManifestKey = ObjectKeys.Build(_upload.KeyTemplate, sidecar.StartedAtUtc, sidecar.SessionId, null, "manifest.json");
        if (!_journal.TryAdd(call, out var reason))
        {
            _metrics.CallRejected(reason!.StartsWith("journal full", StringComparison.Ordinal) ? "journal_full" : "journal_error");
            DeliveryLog.CallRejected(_logger, sidecar.SessionId, reason);
            _webhooks.Enqueue(WebhookEventTypes.RecordingFailed, sidecar.SessionId, "upload", new JsonObject { ["stage"] = "upload", ["error"] = reason });
            EnqueueCallEnded(call);
            return;
        }

        DeliveryLog.CallJournaled(_logger, call.SessionId, call.Files.Count, call.Files.Sum(f => f.Size));
        Signal();
    }

    internal Task WaitForWorkAsync(CancellationToken cancellationToken) => _work.WaitAsync(cancellationToken);

    internal void EnqueueUploaded(CallUpload call, FileUpload file) =>
        _webhooks.Enqueue(WebhookEventTypes.RecordingUploaded, call.SessionId, file.Key, new JsonObject
        {
            ["userId"] = file.UserId,
            ["kind"] = file.Kind,
            ["file"] = file.File,
            ["bucket"] = _upload.Bucket,
            ["key"] = file.Key,
            ["location"] = file.Location,
            ["size"] = file.Size,
            ["sha256"] = file.Sha256,
        });

    internal void EnqueueMissing(CallUpload call, FileUpload file) =>
        _webhooks.Enqueue(WebhookEventTypes.RecordingFailed, call.SessionId, "missing:" + file.File, new JsonObject
        {
            ["stage"] = "upload",
            ["userId"] = file.UserId,
            ["kind"] = file.Kind,
            ["file"] = file.File,
            ["error"] = "the local file is missing",
        });

    internal void EnqueueGivenUp(CallUpload call) =>
        _webhooks.Enqueue(WebhookEventTypes.RecordingFailed, call.SessionId, "upload", new JsonObject { ["stage"] = "upload", ["error"] = call.LastError });

    internal void EnqueueCallEnded(CallUpload call) =>
        _webhooks.Enqueue(WebhookEventTypes.CallEnded, call.SessionId, "ended", new JsonObject
        {
            ["finalizeStatus"] = call.Sidecar.FinalizeStatus,
            ["manifest"] = CallManifest.Build(call, _upload.Enabled ? _upload.Bucket : null),
        });

    public void Dispose() => _work.Dispose();

    private void Signal()
    {
        if (_work.CurrentCount == 0)
        {
            try
            {
                _work.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    private void AddFile(CallUpload call, string? relative, string kind, string? userId)
    {
        if (string.IsNullOrEmpty(relative))
        {
            return;
        }

        var full = Path.Combine(call.RootDirectory, relative);
        call.Files.Add(new FileUpload
        {
            File = relative,
            Kind = kind,
            UserId = userId,
            Size = File.Exists(full) ? new FileInfo(full).Length : 0,
            Key = _upload.Enabled ? ObjectKeys.Build(_upload.KeyTemplate, call.Sidecar.StartedAtUtc, call.SessionId, userId, Path.GetFileName(relative)) : string.Empty,
        });
    }
}
