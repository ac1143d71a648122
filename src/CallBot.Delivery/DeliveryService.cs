using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using CallBot.Delivery.Upload;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace CallBot.Delivery;

/// <summary>
/// The upload loop: one call at a time, oldest due first (its files' parts in parallel, bounded by the uploader).
/// Per call: every file (resuming from the journal), then the manifest next to them, then <c>recording.uploaded</c> per
/// file and <c>call.ended</c> with the manifest; then the journal entry goes. A failure keeps the entry and retries the
/// call after <see cref="UploadOptions.CallRetryDelay"/>; past <see cref="UploadOptions.GiveUpAfter"/> it is given up.
/// </summary>
public sealed class DeliveryService : BackgroundService
{
    private readonly UploadOptions _options;
    private readonly UploadJournal _journal;
    private readonly MultipartUploader _uploader;
    private readonly RecordingDelivery _delivery;
    private readonly IAmazonS3 _s3;
    private readonly ResiliencePipeline _pipeline;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DeliveryService(IOptions<UploadOptions> options, UploadJournal journal, MultipartUploader uploader, RecordingDelivery delivery, IAmazonS3 s3,
        ResiliencePipelineProvider<string> pipelines, DeliveryMetrics metrics, TimeProvider time, ILogger<DeliveryService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        _options = options.Value;
        _journal = journal;
        _uploader = uploader;
        _delivery = delivery;
        _s3 = s3;
        _pipeline = pipelines.GetPipeline(DeliveryResilience.UploadPipeline);
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var call = _journal.NextDue(out var dueAt);
            var now = _time.GetUtcNow();
            if (call is null || dueAt > now)
            {
                var wait = call is null ? Timeout.InfiniteTimeSpan : dueAt - now;
                using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var signal = _delivery.WaitForWorkAsync(woken.Token);
                var timer = wait == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, woken.Token) : Task.Delay(wait, _time, woken.Token);
                await Task.WhenAny(signal, timer).ConfigureAwait(false);
                await woken.CancelAsync().ConfigureAwait(false);
                continue;
            }

            await DeliverAsync(call, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(CallUpload call, CancellationToken stoppingToken)
    {
        try
        {
            foreach (var file in call.Files.Where(f => !f.Uploaded && !f.Missing))
            {
                if (!File.Exists(Path.Combine(call.RootDirectory, file.File)))
                {
                    // Deleted by an operator or never written: nothing to retry; say so and deliver the rest.
                    file.Missing = true;
                    _journal.Save(call);
                    _metrics.UploadFailed("file_missing");
                    _delivery.EnqueueMissing(call, file);
                    continue;
                }

                await _uploader.UploadAsync(call, file, stoppingToken).ConfigureAwait(false);
                _delivery.EnqueueUploaded(call, file);
            }

            if (!call.ManifestUploaded)
            {
                await PutManifestAsync(call, stoppingToken).ConfigureAwait(false);
                call.ManifestUploaded = true;
                _journal.Save(call);
            }

            _delivery.EnqueueCallEnded(call);
            _journal.Remove(call);
            DeliveryLog.CallDelivered(_logger, call.SessionId, call.Files.Count, call.ManifestKey);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            call.Attempts++;
            call.LastError = ex.GetType().Name + ": " + ex.Message;
            var age = _time.GetUtcNow() - call.FinalizedAtUtc;
            if (age >= _options.GiveUpAfter)
            {
                _metrics.UploadFailed("given_up");
                DeliveryLog.CallGivenUp(_logger, call.SessionId, age, call.LastError);
                _delivery.EnqueueGivenUp(call);
                _delivery.EnqueueCallEnded(call);
                _journal.MoveToFailed(call);
                return;
            }

            _metrics.UploadFailed(DeliveryResilience.IsTransientStorageFailure(ex) ? "storage_unavailable" : "error");
            call.NextAttemptAtUtc = _time.GetUtcNow() + _options.CallRetryDelay;
            DeliveryLog.CallUploadFailed(_logger, call.SessionId, call.Attempts, call.NextAttemptAtUtc, call.LastError);
            _journal.Save(call);
        }
    }

    private async Task PutManifestAsync(CallUpload call, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(CallManifest.Build(call, _options.Bucket).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var md5 = System.Security.Cryptography.MD5.HashData(body);
        await _pipeline.ExecuteAsync(async ct =>
        {
            using var stream = new MemoryStream(body, writable: false);
            var request = new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = call.ManifestKey,
                InputStream = stream,
                ContentType = "application/json",
                MD5Digest = Convert.ToBase64String(md5),
                UseChunkEncoding = false,
                DisableDefaultChecksumValidation = true,
            };
            request.Metadata.Add(MultipartUploader.Sha256MetadataKey, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)));
            var response = await _s3.PutObjectAsync(request, ct).ConfigureAwait(false);
            if (!string.Equals(response.ETag.Trim('"'), Convert.ToHexStringLower(md5), StringComparison.OrdinalIgnoreCase))
            {
                throw new PartIntegrityException($"{call.ManifestKey}: ETag {response.ETag} is not the manifest's MD5");
            }
        }, cancellationToken).ConfigureAwait(false);
    }
}
