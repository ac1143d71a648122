using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using CallBot.Abstractions;
using CallBot.Recording.Tests.Support;
using CallBot.TestSupport;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests;

public sealed class CrashSafetyTests(TestClips clips) : IClassFixture<TestClips>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Sigkill_of_ffmpeg_mid_call_leaves_a_file_that_decodes_up_to_the_last_two_seconds()
    {
        var root = TestClips.NewDirectory();
        var path = Path.Combine(root, "killed.webm");
        using var metrics = new RecordingMetrics();
        using var failures = new MetricCollector<long>(metrics.Meter, "callbot.recording.failures");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), metrics: metrics);
        Assert.True(recorder.Start(root), recorder.Error);

        // A live call: 5 s in real time, one keyframe at the start only (as WebRTC senders do).
        var video = clips.Vp8LongGop;
        await RealTimeFeeder.FeedAsync(recorder, video, clips.Opus);
        using (var ffmpeg = Process.GetProcessById(recorder.FfmpegProcessId!.Value))
        {
            ffmpeg.Kill(); // SIGKILL
            await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var info = await recorder.StopAsync();
        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("FFmpeg", info.Error, StringComparison.Ordinal);
        Assert.NotEmpty(failures.GetMeasurementSnapshot());

        using var probe = FfTool.Probe(path);
        Assert.Equal("vp8", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        var videoTimes = FfTool.PacketTimes(path, "v:0");
        var audioTimes = FfTool.PacketTimes(path, "a:0");
        Assert.True(videoTimes[^1] >= 5 - 2, $"video ends at {videoTimes[^1]} s of 5 s");
        Assert.True(audioTimes[^1] >= 5 - 2, $"audio ends at {audioTimes[^1]} s of 5 s");
    }

    [Fact]
    public async Task Ffmpeg_dying_before_any_media_reached_the_file_leaves_no_file_and_the_sidecar_and_log_say_why()
    {
        var root = TestClips.NewDirectory();
        // Exits at start-up like an FFmpeg that cannot load a library; it never opens its output.
        var dying = await FakeFfmpeg.WriteAsync(root, "dying-ffmpeg.sh", "echo 'error while loading shared libraries: libavcodec.so.59' >&2\nexit 127");
        using var metrics = new RecordingMetrics();
        using var failures = new MetricCollector<long>(metrics.Meter, "callbot.recording.failures");
        var log = TestLog.InMemory();
        await using var session = new RecordingSession("s-dies", new RecordingOptions { RootDirectory = root, FfmpegPath = dying }, loggerFactory: log, metrics: metrics);
        var recorder = session.AddParticipant("u1", CodecId.Opus, CodecId.Vp8);
        await Poll.UntilAsync(() => recorder.Status == RecordingStatus.Failed, TimeSpan.FromSeconds(10), "recorder saw FFmpeg exit", TestContext.Current.CancellationToken);
        await RealTimeFeeder.FeedAsync(recorder, clips.Vp8.Take(10).ToList(), clips.Opus.Take(10).ToList()); // the call goes on

        var sidecar = await session.FinalizeAsync();

        var info = Assert.Single(sidecar.Participants);
        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("libavcodec", info.Error, StringComparison.Ordinal);
        Assert.Contains("No recording file was kept", info.Error, StringComparison.Ordinal);
        Assert.Null(info.File);
        Assert.Equal("failed", sidecar.FinalizeStatus);
        Assert.False(File.Exists(recorder.OutputPath));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(session.SidecarPath, TestContext.Current.CancellationToken));
        Assert.False(json.RootElement.GetProperty("participants")[0].TryGetProperty("file", out _), "the sidecar names no file");
        Assert.Contains(failures.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "ffmpeg-exit");
        Assert.Contains("No recording file was kept", log.Tail(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unwritable_directory_stops_the_recording_with_a_clear_error_and_a_metric()
    {
        using var readOnly = new TmpfsMount("ro,size=1m");
        using var metrics = new RecordingMetrics();
        using var failures = new MetricCollector<long>(metrics.Meter, "callbot.recording.failures");
        var path = Path.Combine(readOnly.Path, "s", "u.webm");
        var time = new FakeTimeProvider(Start);
        // The free-space floor off (this 1 MB mount is below it): the subject is the unwritable directory itself.
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions { MinFreeDiskBytes = 0 }, time, metrics: metrics);

        Assert.False(recorder.Start(readOnly.Path));
        Feeder.Feed(recorder, time, Start, clips.Vp8.Take(10).ToList(), clips.Opus.Take(10).ToList()); // the call goes on
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("not writable", info.Error, StringComparison.Ordinal);
        var measurement = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("unwritable", measurement.Tags["reason"]);
    }

    [Fact]
    public async Task Disk_full_stops_the_recording_with_a_clear_error_and_the_partial_file_still_plays()
    {
        using var small = new TmpfsMount("size=2m");
        using var metrics = new RecordingMetrics();
        using var failures = new MetricCollector<long>(metrics.Meter, "callbot.recording.failures");
        var path = Path.Combine(small.Path, "full.webm");
        var time = new FakeTimeProvider(Start);
        // The free-space floor off: the subject is what happens when the disk really fills under FFmpeg
        // (HostileRecordingTests covers the floor that normally stops a recording before that).
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions { MaxQueuedFrames = 100_000, MinFreeDiskBytes = 0 }, time, metrics: metrics);
        Assert.True(recorder.Start(small.Path), recorder.Error);

        // About 3 MB of media into 2 MB, fed as fast as it comes.
        var clipBytes = clips.Vp8.Sum(f => (long)f.Data.Length) + clips.Opus.Sum(f => (long)f.Data.Length);
        var loops = (int)(3 * 1024 * 1024 / clipBytes) + 1;
        Feeder.Feed(recorder, time, Start, TestClips.Loop(clips.Vp8, loops, 90_000), TestClips.Loop(clips.Opus, loops, 48_000));
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Failed, info.Status);
        Assert.Contains("Disk full", info.Error, StringComparison.Ordinal);
        Assert.Contains(failures.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "disk-full");

        var (code, stdout, stderr) = FfTool.Run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path);
        Assert.True(code == 0, stderr);
        Assert.Contains("vp8", stdout, StringComparison.Ordinal);
        var videoTimes = FfTool.PacketTimes(path, "v:0");
        Assert.True(videoTimes.Count > 30 && videoTimes[^1] > 1, $"partial file holds {videoTimes.Count} video packets");
        var (decodeCode, _, _) = FfTool.Run("ffmpeg", "-v", "error", "-nostdin", "-i", path, "-f", "null", "-");
        Assert.Equal(0, decodeCode);
    }
}
