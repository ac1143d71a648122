using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CallBot.Worker.Cli;

/// <summary>What ffprobe says about one recording file.</summary>
public sealed record RecordingCheck(string File, double DurationSeconds, string Streams, bool Valid, string? Error)
{
    /// <summary>
    /// Runs <c>ffprobe</c> on the file: valid when it parses, has the expected streams and lasts at least
    /// <paramref name="minSeconds"/>.
    /// </summary>
    public static async Task<RecordingCheck> ProbeAsync(string file, bool expectVideo, double minSeconds, CancellationToken cancellationToken, string ffprobe = "ffprobe")
    {
        var start = new ProcessStartInfo(ffprobe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-v", "error", "-show_entries", "format=duration:stream=codec_type,codec_name", "-of", "json", file })
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("ffprobe did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var json = await stdout.ConfigureAwait(false);
            var errors = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                return new RecordingCheck(file, 0, string.Empty, false, string.IsNullOrEmpty(errors) ? $"ffprobe exit {process.ExitCode}" : errors);
            }

            return Evaluate(file, json, expectVideo, minSeconds);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return new RecordingCheck(file, 0, string.Empty, false, ex.Message);
        }
    }

    /// <summary>Judges ffprobe's JSON (<c>-show_entries format=duration:stream=codec_type,codec_name -of json</c>).</summary>
    public static RecordingCheck Evaluate(string file, string ffprobeJson, bool expectVideo, double minSeconds)
    {
        try
        {
            using var doc = JsonDocument.Parse(ffprobeJson);
            var streams = new List<string>();
            bool hasAudio = false, hasVideo = false;
            if (doc.RootElement.TryGetProperty("streams", out var list))
            {
                foreach (var stream in list.EnumerateArray())
                {
                    var type = stream.TryGetProperty("codec_type", out var t) ? t.GetString() : null;
                    var name = stream.TryGetProperty("codec_name", out var n) ? n.GetString() : null;
                    hasAudio |= type == "audio";
                    hasVideo |= type == "video";
                    streams.Add($"{type}:{name}");
                }
            }

            double duration = 0;
            if (doc.RootElement.TryGetProperty("format", out var format) && format.TryGetProperty("duration", out var d))
            {
                double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out duration);
            }

            var error = !hasAudio ? "no audio stream"
                : expectVideo && !hasVideo ? "no video stream"
                : duration < minSeconds ? string.Create(CultureInfo.InvariantCulture, $"duration {duration:0.00} s < {minSeconds:0.00} s")
                : null;
            return new RecordingCheck(file, duration, string.Join(' ', streams), error is null, error);
        }
        catch (JsonException ex)
        {
            return new RecordingCheck(file, 0, string.Empty, false, "ffprobe output is not JSON: " + ex.Message);
        }
    }
}
