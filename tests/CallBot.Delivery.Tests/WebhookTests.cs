using System.Net;
using System.Text;
using CallBot.Delivery.Webhooks;
using CallBot.TestSupport.Webhooks;
using Microsoft.Extensions.Options;

namespace CallBot.Delivery.Tests;

public sealed class WebhookTests
{
    private const string Secret = DeliveryTestBed.Secret;

    [Fact]
    public async Task Receiver_down_then_back_gets_every_event_in_order_per_call_with_valid_signatures()
    {
        await using var bed = new DeliveryTestBed();
        await bed.StartHostAsync(bed.Settings(upload: false)); // receiver not started: its port refuses connections
        var delivery = bed.Get<RecordingDelivery>();
        foreach (var session in new[] { "call-a", "call-b" })
        {
            var relative = $"d/{session}/1.webm";
            bed.WriteRandomFile(relative, 1024, seed: 1);
            var (sidecar, path) = bed.Call(session, "1", relative);
            delivery.RecordingStarted(session, "1");
            delivery.CallFinalized(sidecar, bed.Root, path);
        }

        var outbox = bed.Get<WebhookOutbox>();
        Assert.Equal(6, outbox.Count);
        Assert.Equal(6, Directory.GetFiles(Path.Combine(bed.Root, ".delivery", "webhooks"), "*.json").Length); // persisted

        // The outbox must have met the receiver down (and said so) before it comes back.
        await DeliveryTestBed.WaitUntilAsync(() => bed.Logs.Any(r => r.Id.Id == 4022), TimeSpan.FromSeconds(30), "a failed attempt while the receiver is down");
        bed.Receiver.Start();
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Count == 6, TimeSpan.FromSeconds(30), "six events after the receiver returned");
        foreach (var session in new[] { "call-a", "call-b" })
        {
            Assert.Equal([WebhookEventTypes.RecordingStarted, WebhookEventTypes.RecordingFinalized, WebhookEventTypes.CallEnded],
                bed.Receiver.Accepted.Where(e => e.SessionId == session).Select(e => e.Type));
        }

        Assert.Empty(bed.Receiver.Refused);
        Assert.Equal(0, outbox.Count);
        Assert.Empty(Directory.GetFiles(Path.Combine(bed.Root, ".delivery", "webhooks"), "*.json"));
        bed.AssertNoSecretLogged();
    }

    [Fact]
    public async Task Receiver_refuses_a_tampered_body_and_an_old_timestamp()
    {
        using var receiver = new WebhookReceiver(Secret);
        receiver.Start();
        using var http = new HttpClient();
        var body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"call.ended","sessionId":"s","data":{}}""");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal(HttpStatusCode.NoContent, await PostAsync(http, receiver.Url, body, WebhookSignature.Create(Secret, now, body)));
        var tampered = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"call.ended","sessionId":"t","data":{}}""");
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(http, receiver.Url, tampered, WebhookSignature.Create(Secret, now, body)));
        var old = now - (long)WebhookSignature.DefaultTolerance.TotalSeconds - 1;
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(http, receiver.Url, body, WebhookSignature.Create(Secret, old, body)));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(http, receiver.Url, body, WebhookSignature.Create("another-secret-of-32-characters!!", now, body)));

        Assert.Single(receiver.Accepted);
        Assert.Equal([SignatureCheck.Mismatch, SignatureCheck.OutsideWindow, SignatureCheck.Mismatch], receiver.Refused.Select(r => r.Check));
    }

    [Fact]
    public void Signature_rule_window_is_five_minutes_either_way_and_covers_timestamp_and_body()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var t = new DateTimeOffset(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
        var header = WebhookSignature.Create(Secret, t.ToUnixTimeSeconds(), body);

        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(Secret, header, body, t.AddMinutes(5), WebhookSignature.DefaultTolerance));
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(Secret, header, body, t.AddMinutes(-5), WebhookSignature.DefaultTolerance));
        Assert.Equal(SignatureCheck.OutsideWindow, WebhookSignature.Verify(Secret, header, body, t.AddMinutes(5).AddSeconds(1), WebhookSignature.DefaultTolerance));
        var shifted = header.Replace($"t={t.ToUnixTimeSeconds()}", $"t={t.ToUnixTimeSeconds() + 1}", StringComparison.Ordinal);
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(Secret, shifted, body, t, WebhookSignature.DefaultTolerance));
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify(Secret, "v1=zz", body, t, WebhookSignature.DefaultTolerance));
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify(Secret, null, body, t, WebhookSignature.DefaultTolerance));
    }

    [Fact]
    public void Options_are_validated_at_start_and_secrets_never_printed()
    {
        var validator = new DeliveryOptionsValidator();
        var webhook = new WebhookOptions { Url = "http://127.0.0.1:1/h", Secret = "short" };
        var result = validator.Validate(null, webhook);
        Assert.True(result.Failed);
        Assert.Contains("CallBot:Webhooks:Secret", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("short", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("short", webhook.ToString(), StringComparison.Ordinal);

        var upload = new UploadOptions { Enabled = true, Bucket = "b", AccessKey = "AK", SecretKey = "very-secret-key", KeyTemplate = "{sessionId}" };
        var uploadResult = validator.Validate(null, upload);
        Assert.True(uploadResult.Failed);
        Assert.Contains("CallBot:Upload:KeyTemplate", uploadResult.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-key", uploadResult.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret-key", upload.ToString(), StringComparison.Ordinal);
        Assert.Equal(ValidateOptionsResult.Success, validator.Validate(null, new UploadOptions()));
    }

    [Fact]
    public async Task Host_refuses_to_start_with_bad_delivery_options()
    {
        await using var bed = new DeliveryTestBed();
        var settings = bed.Settings();
        settings["CallBot:Upload:Bucket"] = "";
        settings["CallBot:Webhooks:Secret"] = "too-short";
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bed.StartHostAsync(settings));
        Assert.Contains("CallBot:Upload:Bucket", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("too-short", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, string url, byte[] body, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Headers.Add(WebhookSignature.HeaderName, signature);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
