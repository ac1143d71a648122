using System.Text;
using CallBot.Abstractions.Ffmpeg;

namespace CallBot.Recording.Ffmpeg;

/// <summary>A finalize-time FFmpeg run (MP4 remux, composite): no pipes, a time budget, an operator-readable error.</summary>
internal static class FfmpegJob
{
    /// <summary>Runs FFmpeg to completion. Returns (success, error text); never throws for FFmpeg's failures.</summary>
    public static async Task<(bool Ok, string Error)> RunAsync(string ffmpegPath, IEnumerable<string> arguments, TimeSpan timeout)
    {
        FfmpegProcess process;
        try
        {
            process = FfmpegProcess.Start(ffmpegPath, [.. arguments], redirectStdout: false);
        }
        catch (FfmpegException ex)
        {
            return (false, "ffmpeg could not start: " + ex.Message);
        }

        await using (process.ConfigureAwait(false))
        {
            if (!await process.WaitForExitAsync(timeout).ConfigureAwait(false))
            {
                return (false, $"ffmpeg did not finish within {timeout.TotalSeconds:0.#} s and was killed");
            }

            if (process.ExitCode == 0)
            {
                return (true, string.Empty);
            }

            var message = new StringBuilder("ffmpeg exited with code ").Append(process.ExitCode);
            var tail = process.StderrTail.Trim();
            if (tail.Length > 0)
            {
                message.Append(": ").Append(tail);
            }

            return (false, message.ToString());
        }
    }
}
