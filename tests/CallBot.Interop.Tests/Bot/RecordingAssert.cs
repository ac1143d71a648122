using System.Diagnostics;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;

namespace CallBot.Interop.Tests.Bot;

/// <summary>A bot's recording of a call: one file, valid per ffprobe with the expected streams, decoded cleanly by FFmpeg.</summary>
internal static class RecordingAssert
{
    public static async Task<RecordingCheck> ValidAsync(CallOutcome outcome, bool expectVideo, double minSeconds)
    {
        var file = Assert.Single(outcome.RecordingFiles);
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
    /// <c>ffmpeg -v error -i FILE -fps_mode passthrough -f null -</c>: what it printed (empty = clean). Frames keep their
    /// own timestamps, so a live recording's uneven frame spacing is not reported as a muxer error of the null output.
    /// </summary>
    private static async Task<string> DecodeErrorsAsync(string file, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", file, "-fps_mode", "passthrough", "-f", "null", "-" })
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
