using System.Diagnostics;

namespace CallBot.Worker.Tests.EndToEnd;

internal static class FfmpegDecode
{
    /// <summary>
    /// Decodes the whole file with <c>ffmpeg -v error</c>; returns what it printed (empty = clean decode). Frames keep
    /// their own timestamps (<c>-fps_mode passthrough</c>): the null muxer would otherwise resample a live recording's
    /// variable frame spacing to a constant rate and report two frames closer than 1/fps as a muxer error, which says
    /// nothing about the file's decodability.
    /// </summary>
    public static async Task<string> ErrorsAsync(string file, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", file, "-fps_mode", "passthrough", "-f", "null", "-" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var text = (await stderr).Trim();
        return process.ExitCode == 0 ? text : $"exit {process.ExitCode}: {text}";
    }
}
