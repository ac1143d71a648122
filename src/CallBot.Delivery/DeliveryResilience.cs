using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CallBot.Delivery;

/// <summary>
/// The two Polly v8 pipelines, registered with DI (<c>AddResiliencePipeline</c>), outermost first:
/// <code>
///   callbot-upload:  retry (MaxRetryAttempts, exponential from RetryBaseDelay, jitter, ≤ MaxRetryDelay) ─► attempt timeout ─► one S3 request
///   callbot-webhook: retry (no count limit, same backoff; the sender stops it for an event past MaxEventAge) ─► attempt timeout ─► one POST
/// </code>
/// The S3 client's own retries are off (MaxErrorRetry 0) so that only these count and back off.
/// </summary>
public static class DeliveryResilience
{
    public const string UploadPipeline = "callbot-upload";
    public const string WebhookPipeline = "callbot-webhook";

    public static void ConfigureUpload(ResiliencePipelineBuilder builder, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(Backoff("requests", new PredicateBuilder().Handle<Exception>(IsTransientStorageFailure),
                options.MaxRetryAttempts, options.RetryBaseDelay, options.MaxRetryDelay));
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt", Timeout = options.AttemptTimeout });
    }

    public static void ConfigureWebhook(ResiliencePipelineBuilder builder, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.AddRetry(Backoff("deliveries",
            new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>().Handle<WebhookRejectedException>(),
            int.MaxValue, options.RetryBaseDelay, options.MaxRetryDelay));
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt", Timeout = options.AttemptTimeout });
    }

    /// <summary>The backoff both pipelines share: exponential from <paramref name="baseDelay"/>, with jitter, capped.</summary>
    private static RetryStrategyOptions Backoff(string name, PredicateBuilder<object> shouldHandle, int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay) => new()
    {
        Name = name,
        ShouldHandle = shouldHandle,
        MaxRetryAttempts = maxAttempts,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = baseDelay,
        MaxDelay = maxDelay,
    };

    /// <summary>Worth retrying: the server or the path to it failed (5xx, 408, 429, connection refused, timeouts, a part whose ETag did not match).</summary>
    public static bool IsTransientStorageFailure(Exception ex) => ex switch
    {
        AmazonS3Exception s3 => (int)s3.StatusCode >= 500 || s3.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || s3.ErrorCode is "BadDigest" or "InvalidDigest" or "RequestTimeout" or "SlowDown" || s3.StatusCode == 0,
        AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == 0,
        AmazonClientException => true,
        HttpRequestException or IOException or SocketException or TimeoutRejectedException or PartIntegrityException => true,
        _ => false,
    };
}

/// <summary>The webhook receiver answered, but not with 2xx.</summary>
public sealed class WebhookRejectedException(int status) : Exception($"receiver answered HTTP {status}")
{
    public int Status { get; } = status;
}

/// <summary>The server's ETag for a part is not the MD5 of the bytes sent: the part is sent again.</summary>
public sealed class PartIntegrityException(string message) : Exception(message);
