using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CallBot.Delivery.Upload;
using CallBot.Delivery.Webhooks;

namespace CallBot.Delivery.Tests;

/// <summary>Uploads against a real s3rver process and a real signature-checking receiver, in process.</summary>
public sealed class UploadTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Hour_long_recording_uploads_intact_with_manifest_and_signed_webhooks()
    {
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        bed.Receiver.Start();
        var relative = "2026-12-07/sess-hour/1001-020000.webm";
        var local = Path.Combine(bed.Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        await HourLongWebmAsync(local);
        var localSha = DeliveryTestBed.Sha256Of(local);
        var (sidecar, sidecarPath) = bed.Call("sess-hour", "1001", relative);
        await bed.StartHostAsync(bed.Settings());

        var delivery = bed.Get<RecordingDelivery>();
        delivery.RecordingStarted("sess-hour", "1001");
        delivery.CallFinalized(sidecar, bed.Root, sidecarPath);
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Any(e => e.Type == WebhookEventTypes.CallEnded), Generous, "call.ended");

        const string key = "rec/2026-12-07/sess-hour/1001-020000.webm";
        var downloaded = Path.Combine(bed.Root, "downloaded.webm");
        var (sha, size, metaSha) = await bed.DownloadAsync(key, downloaded);
        Assert.Equal(new FileInfo(local).Length, size);
        Assert.Equal(localSha, sha);
        Assert.Equal(localSha, metaSha);
        Assert.InRange(await DurationSecondsAsync(downloaded), 3595, 3605); // FFmpeg accepts the stored object as an hour of WebM
        Assert.Equal(["rec/2026-12-07/sess-hour/1001-020000.webm", "rec/2026-12-07/sess-hour/manifest.json", "rec/2026-12-07/sess-hour/session.json"],
            await bed.KeysAsync("rec/2026-12-07/sess-hour/"));
        Assert.Equal(0, bed.Storage.OpenMultipartUploads());

        var manifestPath = Path.Combine(bed.Root, "manifest.json");
        await bed.DownloadAsync("rec/2026-12-07/sess-hour/manifest.json", manifestPath);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(manifestPath, TestContext.Current.CancellationToken));
        var file = manifest.RootElement.GetProperty("participants")[0].GetProperty("files")[0];
        Assert.Equal(localSha, file.GetProperty("sha256").GetString());
        Assert.Equal(key, file.GetProperty("key").GetString());
        Assert.Equal(12, manifest.RootElement.GetProperty("participants")[0].GetProperty("video").GetProperty("startOffsetMs").GetInt64());

        var events = bed.Receiver.Accepted.Where(e => e.SessionId == "sess-hour").Select(e => e.Type).ToList();
        Assert.Equal([WebhookEventTypes.RecordingStarted, WebhookEventTypes.RecordingFinalized, WebhookEventTypes.RecordingUploaded,
            WebhookEventTypes.RecordingUploaded, WebhookEventTypes.CallEnded], events);
        Assert.Empty(bed.Receiver.Refused);
        var ended = bed.Receiver.Accepted.Single(e => e.Type == WebhookEventTypes.CallEnded).Body.GetProperty("data").GetProperty("manifest");
        Assert.Equal(localSha, ended.GetProperty("files")[0].GetProperty("sha256").GetString());
        Assert.True(File.Exists(local), "DeleteAfterUpload is off: the local file stays");
        bed.AssertNoSecretLogged();
    }

    [Fact]
    public async Task Storage_down_then_back_uploads_complete_calls_unaffected_nothing_lost()
    {
        // The outage is 60 s; here it lasts until the call's upload has failed three times (≈1–2 s with the
        // test's 50–300 ms backoff and 300 ms call retry delay). The code path is the same as for 60 s: request retries
        // exhaust, the call stays journaled and is retried, and it completes when storage answers again.
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        bed.Receiver.Start();
        var local = bed.WriteRandomFile("d/sess-outage/7.webm", 12 * 1024 * 1024, seed: 7);
        var (sidecar, sidecarPath) = bed.Call("sess-outage", "7", "d/sess-outage/7.webm");
        await bed.StartHostAsync(bed.Settings());
        await bed.Storage.StopAsync();

        var delivery = bed.Get<RecordingDelivery>();
        var hook = Stopwatch.StartNew();
        delivery.RecordingStarted("sess-outage", "7");
        delivery.CallFinalized(sidecar, bed.Root, sidecarPath);
        hook.Stop();
        // Only small local files are written (journal entry, queued events); nothing waits for storage or its retries.
        Assert.True(hook.ElapsedMilliseconds < 1000, $"the call path waited {hook.ElapsedMilliseconds} ms for storage");

        var journalFile = Directory.GetFiles(Path.Combine(bed.Root, ".delivery", "uploads"), "*.json").Single();
        await DeliveryTestBed.WaitUntilAsync(() => Attempts(journalFile) >= 3, Generous, "three failed upload attempts");
        Assert.True(File.Exists(local));
        Assert.DoesNotContain(bed.Receiver.Accepted, e => e.Type == WebhookEventTypes.CallEnded);

        await bed.Storage.StartAsync();
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Any(e => e.Type == WebhookEventTypes.CallEnded), Generous, "call.ended after storage returned");
        var (sha, _, _) = await bed.DownloadAsync("rec/2026-12-07/sess-outage/7.webm");
        Assert.Equal(DeliveryTestBed.Sha256Of(local), sha);
        Assert.Empty(Directory.GetFiles(Path.Combine(bed.Root, ".delivery", "uploads"), "*.json"));
        Assert.Equal(0, bed.Get<UploadJournal>().Count);
        Assert.Contains(bed.Logs, r => r.Id.Id == 4004 && r.Level == Microsoft.Extensions.Logging.LogLevel.Warning); // "Upload of session … failed (attempt n), retrying at …"
        Assert.Contains(bed.Logs, r => r.Id.Id == 4008); // "Call … delivered"
        bed.AssertNoSecretLogged();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Storage_down_for_60_s_with_default_backoff_then_uploads_complete()
    {
        // The outage at full length with the product's default request backoff (1 s doubling to 30 s, 8
        // retries) and a 5 s call retry delay (default 1 min, shortened so the test ends ≤ 5 s after the attempt that
        // sees storage again). Excluded from the default suite (Category=Slow); ≈ 70–100 s.
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        bed.Receiver.Start();
        var local = bed.WriteRandomFile("d/sess-60/7.webm", 12 * 1024 * 1024, seed: 60);
        var (sidecar, sidecarPath) = bed.Call("sess-60", "7", "d/sess-60/7.webm");
        var settings = bed.Settings();
        foreach (var key in new[] { "CallBot:Upload:MaxRetryAttempts", "CallBot:Upload:RetryBaseDelay", "CallBot:Upload:MaxRetryDelay" })
        {
            settings.Remove(key);
        }

        settings["CallBot:Upload:CallRetryDelay"] = "00:00:05";
        await bed.StartHostAsync(settings);
        await bed.Storage.StopAsync();
        var outage = Stopwatch.StartNew();
        bed.Get<RecordingDelivery>().CallFinalized(sidecar, bed.Root, sidecarPath);
        await Task.Delay(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken); // the outage itself (the subject, not a synchronization)
        Assert.DoesNotContain(bed.Receiver.Accepted, e => e.Type == WebhookEventTypes.CallEnded);
        await bed.Storage.StartAsync();
        await DeliveryTestBed.WaitUntilAsync(() => bed.Receiver.Accepted.Any(e => e.Type == WebhookEventTypes.CallEnded), TimeSpan.FromSeconds(120), "call.ended after a 60 s outage");
        TestContext.Current.TestOutputHelper?.WriteLine($"call.ended {outage.Elapsed.TotalSeconds:F1} s after the outage began");
        var (sha, _, _) = await bed.DownloadAsync("rec/2026-12-07/sess-60/7.webm");
        Assert.Equal(DeliveryTestBed.Sha256Of(local), sha);
    }

    [Fact]
    public async Task Crashed_multipart_upload_resumes_in_a_new_process_without_a_duplicate_object()
    {
        await using var bed = new DeliveryTestBed();
        await bed.Storage.StartAsync();
        const int parts = 12;
        var local = bed.WriteRandomFile("d/sess-kill/9.webm", parts * 5L * 1024 * 1024, seed: 9);
        var (_, sidecarPath) = bed.Call("sess-kill", "9", "d/sess-kill/9.webm");
        var settings = bed.Settings();
        settings.Remove("CallBot:Webhooks:Url");
        settings["CallBot:Upload:MaxConcurrentParts"] = "1";
        settings["CallBot:Upload:MaxBytesPerSecond"] = (10 * 1024 * 1024).ToString(CultureInfo.InvariantCulture); // ≈6 s for the file: ample time to kill it mid-upload
        var config = Path.Combine(bed.Root, "config.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(Nest(settings)), TestContext.Current.CancellationToken);
        var journalDir = Path.Combine(bed.Root, ".delivery", "uploads");

        using (var first = StartUploader(config, sidecarPath, bed.Root))
        {
            await DeliveryTestBed.WaitUntilAsync(() => StoredParts(journalDir) >= 3, Generous, "three stored parts");
            first.Kill(); // SIGKILL
            await first.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var storedBeforeKill = StoredParts(journalDir);
        Assert.InRange(storedBeforeKill, 3, parts - 1);
        Assert.Equal(1, bed.Storage.OpenMultipartUploads());
        Assert.Empty(await bed.KeysAsync("rec/2026-12-07/sess-kill/9.webm"));

        using var second = StartUploader(config, null, bed.Root);
        var output = await second.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await second.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, second.ExitCode);
        var sent = int.Parse(output.Split("parts-sent ")[1].Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(sent, 1, parts - storedBeforeKill + 1); // resumed: only the missing parts (one may have been in flight at the kill)
        Assert.Equal(["rec/2026-12-07/sess-kill/9.webm"], await bed.KeysAsync("rec/2026-12-07/sess-kill/9.webm"));
        Assert.Equal(0, bed.Storage.OpenMultipartUploads());
        var (sha, _, _) = await bed.DownloadAsync("rec/2026-12-07/sess-kill/9.webm");
        Assert.Equal(DeliveryTestBed.Sha256Of(local), sha);
    }

    private static int Attempts(string journalFile)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(journalFile));
            return doc.RootElement.GetProperty("attempts").GetInt32();
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return 0;
        }
    }

    private static int StoredParts(string journalDir)
    {
        foreach (var file in Directory.Exists(journalDir) ? Directory.GetFiles(journalDir, "*.json") : [])
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                return doc.RootElement.GetProperty("files").EnumerateArray().Sum(f => f.GetProperty("parts").GetArrayLength());
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                return 0;
            }
        }

        return 0;
    }

    private static Process StartUploader(string config, string? sidecarPath, string root)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CallBot.Delivery.TestHost.dll"));
        info.ArgumentList.Add(config);
        if (sidecarPath is not null)
        {
            info.ArgumentList.Add(sidecarPath);
            info.ArgumentList.Add(root);
        }

        return Process.Start(info)!;
    }

    /// <summary>"A:B:C" keys to nested JSON objects (the child reads a JSON config file).</summary>
    private static Dictionary<string, object> Nest(Dictionary<string, string?> flat)
    {
        var root = new Dictionary<string, object>();
        foreach (var (key, value) in flat)
        {
            var node = root;
            var parts = key.Split(':');
            foreach (var part in parts[..^1])
            {
                if (!node.TryGetValue(part, out var child))
                {
                    child = new Dictionary<string, object>();
                    node[part] = child;
                }

                node = (Dictionary<string, object>)child;
            }

            node[parts[^1]] = value!;
        }

        return root;
    }

    /// <summary>An hour of WebM (VP8 160x90 + Opus) in a few seconds: encode 10 s once, then repeat it 360× without re-encoding.</summary>
    internal static async Task HourLongWebmAsync(string path)
    {
        var clip = path + ".clip.webm";
        await RunAsync("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "10", "-c:v", "libvpx", "-b:v", "120k", "-deadline", "realtime", "-cpu-used", "8", "-g", "150", "-c:a", "libopus", "-b:a", "24k", clip);
        await RunAsync("ffmpeg", "-v", "error", "-y", "-stream_loop", "359", "-i", clip, "-c", "copy", path);
        File.Delete(clip);
    }

    private static async Task<double> DurationSecondsAsync(string path)
    {
        var output = await RunAsync("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path);
        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await stderr}");
        return await stdout;
    }
}
