using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CallBot.Worker.Cloud;

public static class CloudServiceCollectionExtensions
{
    /// <summary>Retries after a transient failure, with exponential backoff and jitter from this first delay.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    public const int MaxRetryAttempts = 3;

    /// <summary>
    /// The REST client: a named <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/> (the pipeline owns
    /// timeouts, so the client's own is off) and the <see cref="ConnectyCubeApi.PipelineKey"/> Polly pipeline: retry
    /// of transient failures outside, one attempt's timeout (<c>CallBot:Cloud:RequestTimeout</c>) inside. The
    /// <see cref="TimeProvider"/> registered in DI drives both.
    /// </summary>
    public static IServiceCollection AddCallBotCloud(this IServiceCollection services)
    {
        services.AddHttpClient(ConnectyCubeApi.HttpClientName, http =>
        {
            http.Timeout = Timeout.InfiniteTimeSpan;
            http.MaxResponseContentBufferSize = ConnectyCubeApi.MaxResponseBytes;
        });
        services.AddResiliencePipeline<string, HttpResponseMessage>(ConnectyCubeApi.PipelineKey, (builder, context) =>
        {
            var cloud = context.ServiceProvider.GetRequiredService<IOptions<CloudOptions>>().Value;
            builder
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = RetryDelay,
                    MaxRetryAttempts = MaxRetryAttempts,
                })
                .AddTimeout(cloud.RequestTimeout);
        });
        services.AddSingleton<ConnectyCubeApi>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<CallPushNotifier>();
        return services;
    }

    /// <summary>What another attempt may fix: no answer, an attempt timeout, 408, 429 or a 5xx.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        HttpRequestException or TimeoutRejectedException => true,
        null => outcome.Result is { } r && (r.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)r.StatusCode >= 500),
        _ => false,
    };
}
