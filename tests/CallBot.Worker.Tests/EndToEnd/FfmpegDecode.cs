using System.Diagnostics;

namespace CallBot.Worker.Tests.EndToEnd;

internal static class FfmpegDecode
{
    /// <summary>
    /// Decodes the whole file with <c>ffmpeg -v error</c>; returns what it printed (empty = clean decode). Frames keep
    /// their own timestamps at the file's millisecond resolution (<c>-fps_mode passthrough -enc_time_base:v 1/1000</c>):
    /// otherwise the null muxer puts a live recording's variable frame spacing on a 1/fps grid and reports two frames
    /// closer than 1/fps as "non monotonically increasing dts", which says nothing about the file's decodability.
    /// </summary>
    public static async Task<string> ErrorsAsync(string file, CancellationToken ct)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", file, "-fps_mode", "passthrough", "-enc_time_base:v", "1/1000", "-f", "null", "-" })
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
