using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace CallBot.Delivery.Webhooks;

/// <summary>
/// Sends the queue in order, one event at a time, so a call's events arrive in the order they happened. The head event
/// is retried (pipeline <c>callbot-webhook</c>, backoff up to MaxRetryDelay) until the receiver answers 2xx; an event
/// older than MaxEventAge is dropped, logged and counted. Each attempt is signed anew (fresh timestamp).
/// Headers: <c>CallBot-Event</c> (type), <c>CallBot-Event-Id</c>, <c>CallBot-Signature</c>.
/// </summary>
public sealed class WebhookSender : BackgroundService
{
    private readonly WebhookOptions _options;
    private readonly WebhookOutbox _queue;
    private readonly ResiliencePipeline _pipeline;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    public WebhookSender(IOptions<WebhookOptions> options, WebhookOutbox queue, ResiliencePipelineProvider<string> pipelines, DeliveryMetrics metrics,
        TimeProvider time, ILogger<WebhookSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        _options = options.Value;
        _queue = queue;
        _pipeline = pipelines.GetPipeline(DeliveryResilience.WebhookPipeline);
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan, // the pipeline's attempt timeout bounds each POST
        };
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_queue.Enabled)
        {
            return;
        }

        var url = new Uri(_options.Url);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = _queue.Peek();
            if (next is null)
            {
                await _queue.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            var attempts = 0;
            try
            {
                await _pipeline.ExecuteAsync(async ct =>
                {
                    if (_time.GetUtcNow() - next.CreatedAt > _options.MaxEventAge)
                    {
                        throw new EventExpiredException();
                    }

                    attempts++;
                    await SendAsync(url, next, attempts, ct).ConfigureAwait(false);
                }, stoppingToken).ConfigureAwait(false);
                _metrics.WebhookSent(next.Type, _time.GetUtcNow() - next.CreatedAt);
                DeliveryLog.WebhookDelivered(_logger, next.Type, next.Id, attempts);
            }
            catch (EventExpiredException)
            {
                _metrics.WebhookDropped("too_old");
                DeliveryLog.WebhookDropped(_logger, next.Type, next.SessionId, $"older than {_options.MaxEventAge}");
            }

            _queue.Remove(next);
        }
    }

    private async Task SendAsync(Uri url, QueuedEvent next, int attempt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(next.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("CallBot-Event", next.Type);
        request.Headers.Add("CallBot-Event-Id", next.Id);
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Create(_options.Secret, _time.GetUtcNow().ToUnixTimeSeconds(), next.Body));
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new WebhookRejectedException((int)response.StatusCode);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or WebhookRejectedException or Polly.Timeout.TimeoutRejectedException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _metrics.WebhookAttemptFailed(ex is WebhookRejectedException r ? $"http_{r.Status}" : "unreachable");
            if (attempt == 1 || attempt % 10 == 0)
            {
                DeliveryLog.WebhookRetry(_logger, ex.Message, _queue.Count, _options.MaxRetryDelay);
            }

            throw;
        }
    }

    private sealed class EventExpiredException : Exception;
}
