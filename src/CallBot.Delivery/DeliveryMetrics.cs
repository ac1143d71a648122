using System.Diagnostics.Metrics;
using CallBot.Abstractions.Telemetry;

namespace CallBot.Delivery;

/// <summary>Upload (<c>callbot.upload.*</c>) and webhook (<c>callbot.webhook.*</c>) instruments on the shared <c>CallBot</c> meter.</summary>
public sealed class DeliveryMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _parts;
    private readonly Counter<long> _files;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _fileSeconds;
    private readonly Counter<long> _webhookSent;
    private readonly Counter<long> _webhookFailedAttempts;
    private readonly Counter<long> _webhookDropped;
    private readonly Histogram<double> _webhookDelay;
    private int _pendingCalls;
    private int _queuedEvents;

    public DeliveryMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = CallBotMeter.Create(meterFactory);
        _bytes = _meter.CreateCounter<long>("callbot.upload.bytes", "By", "Bytes of recording parts stored");
        _parts = _meter.CreateCounter<long>("callbot.upload.parts", description: "Multipart parts stored (verified ETag)");
        _files = _meter.CreateCounter<long>("callbot.upload.files", description: "Files uploaded and verified");
        _failures = _meter.CreateCounter<long>("callbot.upload.failures", description: "Upload attempts of a call that failed after retries, and give-ups (tag: reason)");
        _rejected = _meter.CreateCounter<long>("callbot.upload.rejected", description: "Calls not journaled (tag: reason)");
        _fileSeconds = _meter.CreateHistogram<double>("callbot.upload.file_duration", "s", "Time to upload and verify one file");
        _meter.CreateObservableGauge("callbot.upload.pending_calls", () => Volatile.Read(ref _pendingCalls), description: "Calls in the upload journal");
        _webhookSent = _meter.CreateCounter<long>("callbot.webhook.sent", description: "Events the receiver accepted (2xx) (tag: type)");
        _webhookFailedAttempts = _meter.CreateCounter<long>("callbot.webhook.failed_attempts", description: "Send attempts that failed (tag: reason)");
        _webhookDropped = _meter.CreateCounter<long>("callbot.webhook.dropped", description: "Events dropped (tag: reason = queue_full | too_old | unwritable)");
        _webhookDelay = _meter.CreateHistogram<double>("callbot.webhook.delivery_delay", "s", "Event creation to accepted delivery");
        _meter.CreateObservableGauge("callbot.webhook.queued", () => Volatile.Read(ref _queuedEvents), description: "Events waiting in the queue");
    }

    public void PartStored(long bytes)
    {
        _bytes.Add(bytes);
        _parts.Add(1);
    }

    public void FileUploaded(TimeSpan took)
    {
        _files.Add(1);
        _fileSeconds.Record(took.TotalSeconds);
    }

    public void UploadFailed(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void CallRejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void PendingCalls(int count) => Volatile.Write(ref _pendingCalls, count);

    public void WebhookSent(string type, TimeSpan delay)
    {
        _webhookSent.Add(1, new KeyValuePair<string, object?>("type", type));
        _webhookDelay.Record(delay.TotalSeconds);
    }

    public void WebhookAttemptFailed(string reason) => _webhookFailedAttempts.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void WebhookDropped(string reason) => _webhookDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void QueuedEvents(int count) => Volatile.Write(ref _queuedEvents, count);

    internal System.Diagnostics.Metrics.Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
