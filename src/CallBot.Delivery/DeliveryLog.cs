using Microsoft.Extensions.Logging;

namespace CallBot.Delivery;

/// <summary>Structured logs of uploads and webhooks. No secret (keys, HMAC secret, signatures) is ever an argument.</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Upload journaled: session {SessionId}, {Files} files, {Bytes} bytes")]
    public static partial void CallJournaled(ILogger logger, string sessionId, int files, long bytes);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Upload not journaled: session {SessionId}: {Reason}; the files stay in the recordings directory")]
    public static partial void CallRejected(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Uploaded {Key} ({Bytes} bytes, {Parts} parts, {Resumed} resumed) in {Seconds:F2} s, sha256 {Sha256}")]
    public static partial void FileUploaded(ILogger logger, string key, long bytes, int parts, int resumed, double seconds, string sha256);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Upload of session {SessionId} failed (attempt {Attempt}), retrying at {NextAttempt:o}: {Reason}")]
    public static partial void CallUploadFailed(ILogger logger, string sessionId, int attempt, DateTimeOffset nextAttempt, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Upload of session {SessionId} given up after {Age}: {Reason}; the files stay in the recordings directory")]
    public static partial void CallGivenUp(ILogger logger, string sessionId, TimeSpan age, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Resuming the upload of {Key}: {Parts} of {Total} parts already stored (upload {UploadId})")]
    public static partial void Resuming(ILogger logger, string key, int parts, int total, string uploadId);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Multipart upload {UploadId} of {Key} is gone on the server; starting that file over")]
    public static partial void UploadGone(ILogger logger, string key, string uploadId);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Information, Message = "Call {SessionId} delivered: {Files} files and the manifest {ManifestKey}")]
    public static partial void CallDelivered(ILogger logger, string sessionId, int files, string manifestKey);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Journal entry {File} unreadable, moved aside: {Reason}")]
    public static partial void JournalEntryUnreadable(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Webhook {EventType} for session {SessionId} dropped: {Reason}")]
    public static partial void WebhookDropped(ILogger logger, string eventType, string sessionId, string reason);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Debug, Message = "Webhook {EventType} {EventId} delivered after {Attempts} attempts")]
    public static partial void WebhookDelivered(ILogger logger, string eventType, string eventId, int attempts);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Information, Message = "Webhook receiver unavailable ({Reason}); {Queued} events wait, retrying in {Delay}")]
    public static partial void WebhookRetry(ILogger logger, string reason, int queued, TimeSpan delay);
}
