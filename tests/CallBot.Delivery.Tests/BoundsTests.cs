using CallBot.Delivery.Upload;
using CallBot.Delivery.Webhooks;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CallBot.Delivery.Tests;

/// <summary>The documented bounds: what happens past them is logged, counted, and never blocks or loses a local file.</summary>
public sealed class BoundsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Outbox_past_its_bound_drops_new_events_and_counts_them()
    {
        await using var bed = new DeliveryTestBed();
        var settings = bed.Settings(upload: false);
        settings["CallBot:Webhooks:MaxQueuedEvents"] = "2";
        await bed.StartHostAsync(settings); // receiver down: nothing leaves the outbox
        using var dropped = new MetricCollector<long>(bed.Get<DeliveryMetrics>().Meter, "callbot.webhook.dropped");
        var delivery = bed.Get<RecordingDelivery>();

        delivery.RecordingStarted("s", "1");
        delivery.RecordingStarted("s", "2");
        delivery.RecordingStarted("s", "3");

        Assert.Equal(2, bed.Get<WebhookOutbox>().Count);
        var drop = Assert.Single(dropped.GetMeasurementSnapshot());
        Assert.Equal("queue_full", drop.Tags["reason"]);
        bed.Receiver.Start();
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Count == 2, Generous, "the two queued events");
        Assert.Equal(["1", "2"], bed.Receiver.Accepted.Select(e => e.Body.GetProperty("data").GetProperty("userId").GetString()));
    }

    [Fact]
    public async Task Journal_past_its_bound_rejects_the_call_says_so_and_keeps_the_files()
    {
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        bed.Receiver.Start();
        var settings = bed.Settings();
        settings["CallBot:Upload:MaxPendingCalls"] = "1";
        await bed.StartHostAsync(settings);
        await bed.Storage.StopAsync(); // the first call stays journaled
        using var rejected = new MetricCollector<long>(bed.Get<DeliveryMetrics>().Meter, "callbot.upload.rejected");
        var delivery = bed.Get<RecordingDelivery>();
        var first = bed.WriteRandomFile("d/j1/1.webm", 1024, seed: 1);
        var second = bed.WriteRandomFile("d/j2/1.webm", 1024, seed: 2);
        var (s1, p1) = bed.Call("j1", "1", "d/j1/1.webm");
        var (s2, p2) = bed.Call("j2", "1", "d/j2/1.webm");

        delivery.CallFinalized(s1, bed.Root, p1);
        delivery.CallFinalized(s2, bed.Root, p2);

        Assert.Equal(1, bed.Get<UploadJournal>().Count);
        Assert.Equal("journal_full", Assert.Single(rejected.GetMeasurementSnapshot()).Tags["reason"]);
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Any(e => e.SessionId == "j2" && e.Type == WebhookEventTypes.CallEnded), Generous, "j2's call.ended");
        var failed = Assert.Single(bed.Receiver.Accepted, e => e.SessionId == "j2" && e.Type == WebhookEventTypes.RecordingFailed);
        Assert.Equal("upload", failed.Body.GetProperty("data").GetProperty("stage").GetString());
        Assert.True(File.Exists(first) && File.Exists(second));
    }

    [Fact]
    public async Task A_missing_local_file_is_reported_and_the_rest_of_the_call_is_delivered()
    {
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        bed.Receiver.Start();
        var local = bed.WriteRandomFile("d/m/1.webm", 1024, seed: 3);
        var (sidecar, path) = bed.Call("m", "1", "d/m/1.webm");
        await bed.StartHostAsync(bed.Settings());
        await bed.Storage.StopAsync(); // hold the call in the journal while the file disappears
        bed.Get<RecordingDelivery>().CallFinalized(sidecar, bed.Root, path);
        File.Delete(local);
        await bed.Storage.StartAsync();

        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Any(e => e.SessionId == "m" && e.Type == WebhookEventTypes.CallEnded), Generous, "call.ended");
        var failed = Assert.Single(bed.Receiver.Accepted, e => e.SessionId == "m" && e.Type == WebhookEventTypes.RecordingFailed);
        Assert.Equal("d/m/1.webm", failed.Body.GetProperty("data").GetProperty("file").GetString());
        Assert.Equal(["rec/2026-12-07/m/manifest.json", "rec/2026-12-07/m/session.json"], await bed.KeysAsync("rec/2026-12-07/m/"));
        var manifest = bed.Receiver.Accepted.Single(e => e.SessionId == "m" && e.Type == WebhookEventTypes.CallEnded).Body.GetProperty("data").GetProperty("manifest");
        Assert.True(manifest.GetProperty("files")[0].GetProperty("missing").GetBoolean());
    }
}
