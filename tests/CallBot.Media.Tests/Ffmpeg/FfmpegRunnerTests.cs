using System.Diagnostics;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Media.Tests.Ffmpeg;

public sealed class FfmpegRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-ffmpeg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Missing_ffmpeg_is_reported_as_not_found()
    {
        var runner = new FfmpegRunner(new FfmpegOptions { FfmpegPath = "/nonexistent/ffmpeg" });
        var error = await Assert.ThrowsAsync<FfmpegException>(() => runner.RunAsync(["-version"], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.NotFound, error.Kind);
        Assert.Contains("apt-get install ffmpeg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_input_file_is_reported_before_running_and_by_ffmpeg()
    {
        var encoder = new ClipEncoder(new FfmpegRunner());
        var error = await Assert.ThrowsAsync<FfmpegException>(() =>
            encoder.EncodeAsync(new FileSource(Path.Combine(_dir, "absent.mp4")), new VideoProfile(), TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.InputMissing, error.Kind);

        error = await Assert.ThrowsAsync<FfmpegException>(() =>
            new FfmpegRunner().RunAsync(["-i", Path.Combine(_dir, "absent.wav"), "-f", "null", "-"], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.InputMissing, error.Kind);
        Assert.Contains("No such file", error.StderrTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_media_is_reported_as_unsupported()
    {
        var path = Path.Combine(_dir, "garbage.mp4");
        await File.WriteAllBytesAsync(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray(), TestContext.Current.CancellationToken);
        var encoder = new ClipEncoder(new FfmpegRunner());
        var error = await Assert.ThrowsAsync<FfmpegException>(() =>
            encoder.EncodeAsync(new FileSource(path), new VideoProfile(), TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.UnsupportedInput, error.Kind);
    }

    [Fact]
    public async Task An_unknown_encoder_is_a_codec_failure()
    {
        var error = await Assert.ThrowsAsync<FfmpegException>(() => new FfmpegRunner().RunAsync(
            ["-v", "error", "-f", "lavfi", "-i", "color=black:size=64x64:duration=0.1", "-c:v", "libnotacodec", "-f", "null", "-"],
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.CodecFailure, error.Kind);
        Assert.NotEqual(0, error.ExitCode);
    }

    [Fact]
    public async Task A_run_over_its_time_budget_is_killed_and_reported_as_timeout()
    {
        // Real time is the subject: the runner kills a real process at its time budget.
        var watch = Stopwatch.StartNew();
        // -re paces an endless source in real time: it never ends by itself.
        var error = await Assert.ThrowsAsync<FfmpegException>(() => new FfmpegRunner().RunAsync(
            ["-v", "error", "-re", "-f", "lavfi", "-i", "color=black:size=64x64:rate=10", "-f", "null", "-"],
            TimeSpan.FromMilliseconds(800), TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.Timeout, error.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_kills_the_process_and_throws_operation_canceled()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FfmpegRunner().RunAsync(
            ["-v", "error", "-re", "-f", "lavfi", "-i", "color=black:size=64x64:rate=10", "-f", "null", "-"], cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Dispose_kills_a_running_process()
    {
        var process = FfmpegProcess.Start("ffmpeg", ["-v", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "color=black:size=64x64:rate=10", "-f", "null", "-"], redirectStdout: false);
        Assert.False(process.Exited.IsCompleted);
        await process.DisposeAsync();
        Assert.True(process.Exited.IsCompleted);
    }

    [Fact]
    public async Task Output_above_the_cap_is_killed_and_reported()
    {
        var runner = new FfmpegRunner(new FfmpegOptions { MaxOutputBytes = 100_000 });
        var error = await Assert.ThrowsAsync<FfmpegException>(() => runner.RunAsync(
            ["-v", "error", "-f", "lavfi", "-i", "color=black:size=320x240:rate=30:duration=5", "-f", "rawvideo", "pipe:1"],
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(FfmpegErrorKind.OutputTooLarge, error.Kind);
    }

    [Fact]
    public void Stderr_tail_stays_bounded()
    {
        var tail = new BoundedTextTail(1000);
        for (var i = 0; i < 10_000; i++)
        {
            tail.AppendLine($"line {i} of endless ffmpeg complaints");
        }

        var text = tail.ToString();
        Assert.True(text.Length <= 1001);
        Assert.EndsWith("line 9999 of endless ffmpeg complaints\n", text, StringComparison.Ordinal);
    }
}
