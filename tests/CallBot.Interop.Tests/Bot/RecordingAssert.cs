using System.Diagnostics;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;

namespace CallBot.Interop.Tests.Bot;

/// <summary>A bot's recording of a call: one file, valid per ffprobe with the expected streams, decoded cleanly by FFmpeg.</summary>
internal static class RecordingAssert
{
    public static Task<RecordingCheck> ValidAsync(CallSummary outcome, bool expectVideo, double minSeconds) =>
        FileValidAsync(Assert.Single(outcome.RecordingFiles), expectVideo, minSeconds);

    /// <summary>A group call's recordings: exactly <paramref name="participants"/> files (one per other participant), each valid.</summary>
    public static async Task<IReadOnlyList<RecordingCheck>> EachValidAsync(CallSummary outcome, int participants, bool expectVideo, double minSeconds)
    {
        Assert.True(outcome.RecordingFiles.Count == participants, $"bot {outcome.BotUserId} recorded {outcome.RecordingFiles.Count} files, expected {participants}: {string.Join(", ", outcome.RecordingFiles)}");
        Assert.Equal(participants, outcome.RecordingFiles.Distinct(StringComparer.Ordinal).Count());
        var checks = new List<RecordingCheck>();
        foreach (var file in outcome.RecordingFiles)
        {
            checks.Add(await FileValidAsync(file, expectVideo, minSeconds));
        }

        return checks;
    }

    private static async Task<RecordingCheck> FileValidAsync(string file, bool expectVideo, double minSeconds)
    {
        var ct = TestContext.Current.CancellationToken;
        var check = await RecordingCheck.ProbeAsync(file, expectVideo, minSeconds, ct);
        Assert.True(check.Valid, $"{file}: {check.Error} ({check.Streams}, {check.DurationSeconds:0.00} s)");
        if (!expectVideo)
        {
            Assert.DoesNotContain("video", check.Streams, StringComparison.Ordinal);
        }

        var errors = await DecodeErrorsAsync(file, ct);
        Assert.True(errors.Length == 0, $"ffmpeg -v error while decoding {file}:\n{errors}");
        TestContext.Current.TestOutputHelper?.WriteLine($"recording {Path.GetFileName(file)}: {check.Streams}, {check.DurationSeconds:0.00} s");
        return check;
    }

    /// <summary>
    /// <c>ffmpeg -v error -i FILE -fps_mode passthrough -enc_time_base:v 1/1000 -f null -</c>: what it printed (empty = clean).
    /// Frames keep their own timestamps, at the file's own millisecond resolution: with the default encoder time base
    /// (1/frame rate) two frames of a live recording closer than one nominal frame interval (e.g. 95 and 100 ms) land on
    /// the same tick, and the null muxer reports "non monotonically increasing dts" for a file that has none.
    /// </summary>
    private static async Task<string> DecodeErrorsAsync(string file, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", file, "-fps_mode", "passthrough", "-enc_time_base:v", "1/1000", "-f", "null", "-" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        await stdout;
        var text = (await stderr).Trim();
        return process.ExitCode == 0 ? text : $"exit {process.ExitCode}: {text}";
    }
}
