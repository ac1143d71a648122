using Amazon.Runtime;
using Amazon.S3;
using CallBot.Delivery.Upload;
using CallBot.Delivery.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Polly;

namespace CallBot.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Uploads (<c>CallBot:Upload</c>) and webhooks (<c>CallBot:Webhooks</c>): options validated at start, the two
    /// Polly pipelines, the S3 client, the journal and queue, and the two background loops. Needs a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddRecordingDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DeliveryOptionsValidator>();
        services.AddSingleton<IValidateOptions<UploadOptions>>(sp => sp.GetRequiredService<DeliveryOptionsValidator>());
        services.AddSingleton<IValidateOptions<WebhookOptions>>(sp => sp.GetRequiredService<DeliveryOptionsValidator>());
        services.AddOptions<UploadOptions>().Bind(configuration.GetSection(UploadOptions.Section)).ValidateOnStart();
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section)).ValidateOnStart();
        services.AddResiliencePipeline(DeliveryResilience.UploadPipeline, (builder, context) =>
        {
            builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            DeliveryResilience.ConfigureUpload(builder, context.ServiceProvider.GetRequiredService<IOptions<UploadOptions>>().Value);
        });
        services.AddResiliencePipeline(DeliveryResilience.WebhookPipeline, (builder, context) =>
        {
            builder.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
            DeliveryResilience.ConfigureWebhook(builder, context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value);
        });
        services.AddSingleton(sp => new DeliveryMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IAmazonS3>(sp => CreateS3Client(sp.GetRequiredService<IOptions<UploadOptions>>().Value));
        services.AddSingleton<UploadJournal>();
        services.AddSingleton<MultipartUploader>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<RecordingDelivery>();
        services.AddSingleton<DeliveryService>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<DeliveryService>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<WebhookSender>());
        return services;
    }

    /// <summary>
    /// The AWS SDK set up for any S3-compatible server: path-style, our own retries only (MaxErrorRetry 0), and no
    /// "flexible checksum" trailers or aws-chunked bodies (many S3-compatibles store those framing bytes as data);
    /// integrity is Content-MD5 per part plus the sha256 checks of <see cref="MultipartUploader"/>.
    /// </summary>
    public static AmazonS3Client CreateS3Client(UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            MaxErrorRetry = 0,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.AttemptTimeout,
        };
        if (options.ServiceUrl.Length > 0)
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        return new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }
}
