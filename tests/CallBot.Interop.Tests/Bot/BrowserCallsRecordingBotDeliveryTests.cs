using System.Security.Cryptography;
using System.Text.Json;
using Amazon.S3;
using CallBot.Delivery;
using CallBot.Delivery.Webhooks;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.S3;
using CallBot.TestSupport.Webhooks;
using CallBot.Worker.Bots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 18 must-show (3): the REAL ConnectyCube SDK in Chromium calls a recording bot; when the call ends the recording,
/// the sidecar and the manifest are in the bucket of a real S3-compatible server (s3rver, separate process, loopback),
/// byte-identical to the local files, and <c>recording.uploaded</c> + <c>call.ended</c> reached a real receiver, signed,
/// within 5 s of the upload completing.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BrowserCallsRecordingBotDeliveryTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private const string Secret = "interop-webhook-secret-0123456789abcdef";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browser_calls_recording_bot_files_and_manifest_reach_the_bucket_and_webhooks_follow_within_5_s()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var storage = new S3rverServer();
        await storage.StartAsync();
        using var receiver = new WebhookReceiver(Secret);
        receiver.Start();
        var state = Path.Combine(Path.GetTempPath(), "callbot-delivery-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        using var delivery = await StartDeliveryAsync(storage, receiver, state);

        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), new BotSpec { Delivery = delivery.Services.GetRequiredService<RecordingDelivery>() }, ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var sessionId = await browser.CallAsync([bot.UserId], SdkCallType.Video, new { purpose = "delivery" });
        await bot.AcceptedAsync(sessionId, Timeout);
        await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 45, minAudioFrames: 150, Timeout);
        await browser.HangUpAsync();
        var outcome = await bot.EndedAsync(sessionId, Timeout);
        await RecordingAssert.ValidAsync(outcome, expectVideo: true, minSeconds: 2.5);
        var local = Assert.Single(outcome.RecordingFiles);

        await CallBot.TestSupport.Poll.UntilAsync(() => receiver.Accepted.Any(e => e.SessionId == sessionId && e.Type == WebhookEventTypes.CallEnded),
            TimeSpan.FromSeconds(60), "call.ended after the hang-up", ct);

        Assert.Empty(receiver.Refused);
        var events = receiver.Accepted.Where(e => e.SessionId == sessionId).ToList();
        Assert.Equal(WebhookEventTypes.RecordingStarted, events[0].Type);
        Assert.Equal(WebhookEventTypes.RecordingFinalized, events[1].Type);
        Assert.Equal(WebhookEventTypes.CallEnded, events[^1].Type);
        var uploaded = events.Where(e => e.Type == WebhookEventTypes.RecordingUploaded).ToList();
        Assert.Equal(["recording", "sidecar"], uploaded.Select(e => e.Body.GetProperty("data").GetProperty("kind").GetString()));

        // recording.uploaded is created the moment a file's upload is verified; each and call.ended arrive within 5 s of it.
        var uploadDone = uploaded.Max(e => e.Body.GetProperty("createdAt").GetDateTimeOffset());
        foreach (var e in uploaded)
        {
            var lag = e.ReceivedAt - e.Body.GetProperty("createdAt").GetDateTimeOffset();
            Assert.True(lag < TimeSpan.FromSeconds(5), $"recording.uploaded reached the receiver {lag.TotalSeconds:F2} s after the upload");
        }

        var ended = events[^1];
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"upload done → recording.uploaded received: {string.Join(", ", uploaded.Select(e => $"{(e.ReceivedAt - e.Body.GetProperty("createdAt").GetDateTimeOffset()).TotalMilliseconds:F0} ms"))}; "
            + $"→ call.ended received: {(ended.ReceivedAt - uploadDone).TotalMilliseconds:F0} ms; hang-up → call.ended: {(ended.ReceivedAt - (await bot.WhenEnded(sessionId)).At).TotalMilliseconds:F0} ms");
        Assert.True(ended.ReceivedAt - uploadDone < TimeSpan.FromSeconds(5), $"call.ended reached the receiver {(ended.ReceivedAt - uploadDone).TotalSeconds:F2} s after the upload");

        // The bucket: the recording (byte-identical), the sidecar and the manifest, under {date}/{sessionId}/.
        var manifest = ended.Body.GetProperty("data").GetProperty("manifest");
        var recording = manifest.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "recording");
        var localSha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(local, ct)));
        Assert.Equal(localSha, recording.GetProperty("sha256").GetString());
        using var s3 = DeliveryServiceCollectionExtensions.CreateS3Client(new UploadOptions
        {
            ServiceUrl = storage.ServiceUrl.ToString(),
            AccessKey = S3rverServer.AccessKey,
            SecretKey = S3rverServer.SecretKey,
        });
        Assert.Equal(localSha, await Sha256OfObjectAsync(s3, recording.GetProperty("key").GetString()!, ct));
        var manifestKey = manifest.GetProperty("manifestKey").GetString()!;
        var prefix = manifestKey[..(manifestKey.LastIndexOf('/') + 1)];
        Assert.EndsWith($"/{sessionId}/", prefix, StringComparison.Ordinal);
        var keys = (await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = S3rverServer.Bucket, Prefix = prefix }, ct)).S3Objects.Select(o => o.Key).ToList();
        Assert.Equal(3, keys.Count);
        Assert.Contains(manifestKey, keys);
        using (var stored = await s3.GetObjectAsync(S3rverServer.Bucket, manifestKey, ct))
        {
            using var doc = await JsonDocument.ParseAsync(stored.ResponseStream, cancellationToken: ct);
            var participant = Assert.Single(doc.RootElement.GetProperty("participants").EnumerateArray());
            Assert.Equal(browser.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), participant.GetProperty("userId").GetString());
            Assert.Equal("vp8", participant.GetProperty("video").GetProperty("codec").GetString(), ignoreCase: true);
        }

        await delivery.StopAsync(ct);
        Directory.Delete(state, recursive: true);
    }

    private static async Task<IHost> StartDeliveryAsync(S3rverServer storage, WebhookReceiver receiver, string state)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CallBot:Upload:Enabled"] = "true",
            ["CallBot:Upload:ServiceUrl"] = storage.ServiceUrl.ToString(),
            ["CallBot:Upload:Bucket"] = S3rverServer.Bucket,
            ["CallBot:Upload:AccessKey"] = S3rverServer.AccessKey,
            ["CallBot:Upload:SecretKey"] = S3rverServer.SecretKey,
            ["CallBot:Upload:JournalDirectory"] = Path.Combine(state, "uploads"),
            ["CallBot:Webhooks:Url"] = receiver.Url,
            ["CallBot:Webhooks:Secret"] = Secret,
            ["CallBot:Webhooks:QueueDirectory"] = Path.Combine(state, "webhooks"),
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddRecordingDelivery(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<string> Sha256OfObjectAsync(AmazonS3Client s3, string key, CancellationToken ct)
    {
        using var response = await s3.GetObjectAsync(S3rverServer.Bucket, key, ct);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(response.ResponseStream, ct));
    }
}
