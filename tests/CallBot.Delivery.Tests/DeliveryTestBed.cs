using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using CallBot.Recording;
using CallBot.Recording.Sidecar;
using CallBot.TestSupport.S3;
using CallBot.TestSupport.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace CallBot.Delivery.Tests;

/// <summary>A temp recordings root, a real s3rver, a real webhook receiver, and the delivery services in a host (or a child process).</summary>
public sealed class DeliveryTestBed : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret-0123456789abcdef";

    public DeliveryTestBed()
    {
        Root = Path.Combine(Path.GetTempPath(), "callbot-delivery-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Receiver = new WebhookReceiver(Secret);
    }

    public string Root { get; }
    public S3rverServer Storage { get; } = new();
    public WebhookReceiver Receiver { get; }
    public IHost? Host { get; private set; }

    /// <summary>Settings for fast tests: short backoff (the behaviour is the product's, only the waits are shorter).</summary>
    public Dictionary<string, string?> Settings(bool upload = true) => new()
    {
        ["CallBot:Upload:Enabled"] = upload ? "true" : "false",
        ["CallBot:Upload:ServiceUrl"] = Storage.ServiceUrl.ToString(),
        ["CallBot:Upload:Bucket"] = S3rverServer.Bucket,
        ["CallBot:Upload:AccessKey"] = S3rverServer.AccessKey,
        ["CallBot:Upload:SecretKey"] = S3rverServer.SecretKey,
        ["CallBot:Upload:KeyTemplate"] = "rec/{date}/{sessionId}/{fileName}",
        ["CallBot:Upload:PartSizeMiB"] = "5",
        ["CallBot:Upload:JournalDirectory"] = Path.Combine(Root, ".delivery", "uploads"),
        ["CallBot:Upload:AttemptTimeout"] = "00:00:10",
        ["CallBot:Upload:MaxRetryAttempts"] = "2",
        ["CallBot:Upload:RetryBaseDelay"] = "00:00:00.050",
        ["CallBot:Upload:MaxRetryDelay"] = "00:00:00.300",
        ["CallBot:Upload:CallRetryDelay"] = "00:00:00.300",
        ["CallBot:Webhooks:Url"] = Receiver.Url,
        ["CallBot:Webhooks:Secret"] = Secret,
        ["CallBot:Webhooks:QueueDirectory"] = Path.Combine(Root, ".delivery", "webhooks"),
        ["CallBot:Webhooks:RetryBaseDelay"] = "00:00:00.050",
        ["CallBot:Webhooks:MaxRetryDelay"] = "00:00:00.300",
        ["CallBot:Webhooks:AttemptTimeout"] = "00:00:02",
    };

    public async Task<IHost> StartHostAsync(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFakeLogging();
        builder.Services.AddRecordingDelivery(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }

        Host = host;
        return host;
    }

    /// <summary>Every log record of the host (Trace and up): delivery's own, Polly's, the hosting's.</summary>
    public IReadOnlyList<FakeLogRecord> Logs => Get<FakeLogCollector>().GetSnapshot();

    /// <summary>No record (message, structured values, exception) carries the webhook secret or the S3 secret key.</summary>
    public void AssertNoSecretLogged()
    {
        Assert.NotEmpty(Logs);
        foreach (var record in Logs)
        {
            var text = record.Message + " " + string.Join(' ', record.StructuredState?.Select(kv => kv.Value) ?? []) + " " + record.Exception;
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(S3rverServer.SecretKey, text, StringComparison.Ordinal);
        }
    }

    public T Get<T>()
        where T : notnull => Host!.Services.GetRequiredService<T>();

    public IAmazonS3 Client() => DeliveryServiceCollectionExtensions.CreateS3Client(new UploadOptions
    {
        ServiceUrl = Storage.ServiceUrl.ToString(),
        AccessKey = S3rverServer.AccessKey,
        SecretKey = S3rverServer.SecretKey,
    });

    /// <summary>A call with one participant recording of <paramref name="bytes"/> random bytes (or the given file) and its sidecar.</summary>
    public (SessionSidecar Sidecar, string SidecarPath) Call(string sessionId, string userId, string relativeFile)
    {
        var sidecar = new SessionSidecar
        {
            SessionId = sessionId,
            StartedAtUtc = new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero),
            EndedAtUtc = new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero),
            FinalizeStatus = "completed",
            Participants =
            [
                new ParticipantRecordingInfo
                {
                    UserId = userId,
                    File = relativeFile,
                    Status = RecordingStatus.Completed,
                    DurationMs = 3_600_000,
                    Audio = new StreamStats { Codec = "opus", StartOffsetMs = 0 },
                    Video = new StreamStats { Codec = "vp8", StartOffsetMs = 12 },
                },
            ],
        };
        var sidecarPath = Path.Combine(Root, Path.GetDirectoryName(relativeFile)!, "session.json");
        Directory.CreateDirectory(Path.GetDirectoryName(sidecarPath)!);
        using (var stream = File.Create(sidecarPath))
        {
            System.Text.Json.JsonSerializer.Serialize(stream, sidecar, SidecarJsonContext.Default.SessionSidecar);
        }

        return (sidecar, sidecarPath);
    }

    public string WriteRandomFile(string relative, long bytes, int seed)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var chunk = new byte[1 << 20];
        using var stream = File.Create(path);
        for (long written = 0; written < bytes; written += chunk.Length)
        {
            random.NextBytes(chunk);
            stream.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - written));
        }

        return path;
    }

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public async Task<(string Sha256, long Size, string? MetadataSha256)> DownloadAsync(string key, string? saveTo = null)
    {
        using var client = Client();
        using var response = await client.GetObjectAsync(S3rverServer.Bucket, key);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long size = 0;
        await using var save = saveTo is null ? null : File.Create(saveTo);
        int read;
        while ((read = await response.ResponseStream.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            size += read;
            if (save is not null)
            {
                await save.WriteAsync(buffer.AsMemory(0, read));
            }
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), size, response.Metadata["sha256"]);
    }

    public async Task<List<string>> KeysAsync(string prefix)
    {
        using var client = Client();
        var response = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = S3rverServer.Bucket, Prefix = prefix });
        return [.. (response.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>Polls <paramref name="condition"/> until true or <paramref name="timeout"/> (then fails with <paramref name="what"/>).</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        CallBot.TestSupport.Poll.UntilAsync(condition, timeout, what, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.StopAsync();
            Host.Dispose();
        }

        Receiver.Dispose();
        await Storage.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // temp folder
        }
    }
}
