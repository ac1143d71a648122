using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CallBot.Interop.Tests.Recording;

/// <summary>What ffprobe and ffmpeg say about a finished recording: streams, duration, decode errors, packet times.</summary>
internal static class RecordingFileChecks
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(5);

    /// <summary><c>ffprobe -v error -show_streams -show_format -of json F</c>; asserts exit 0 and an empty stderr.</summary>
    public static async Task<JsonDocument> ProbeAsync(string file)
    {
        var (code, stdout, stderr) = await RunAsync("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", file);
        Assert.True(code == 0, $"ffprobe exit {code}: {stderr}");
        Assert.True(stderr.Length == 0, "ffprobe reported: " + stderr);
        return JsonDocument.Parse(stdout);
    }

    /// <summary><c>ffmpeg -v error -i F -f null -</c>: what it printed ("" = every packet decoded cleanly).</summary>
    public static async Task<string> DecodeErrorsAsync(string file)
    {
        var (code, _, stderr) = await RunAsync("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", file, "-f", "null", "-");
        return code == 0 ? stderr.Trim() : $"exit {code}: {stderr}";
    }

    /// <summary>
    /// Asserts the file decodes with nothing at all printed by <c>ffmpeg -v error -i F -f null -</c> — including FFmpeg's
    /// "non monotonically increasing dts to muxer", which a browser's variable-rate video used to cause when FFmpeg
    /// guessed a coarse frame rate for it (the recorder now declares a 2 ms video tick; src/CallBot.Recording/README.md).
    /// </summary>
    public static async Task AssertDecodesCleanlyAsync(string file)
    {
        var errors = await DecodeErrorsAsync(file);
        Assert.True(errors.Length == 0, $"ffmpeg -v error -i {file} -f null - printed: {errors}");
    }

    public static JsonElement Stream(JsonDocument probe, string codecType)
    {
        foreach (var s in probe.RootElement.GetProperty("streams").EnumerateArray())
        {
            if (s.GetProperty("codec_type").GetString() == codecType)
            {
                return s;
            }
        }

        throw new Xunit.Sdk.XunitException($"no {codecType} stream in {probe.RootElement}");
    }

    public static string CodecName(JsonDocument probe, string codecType) => Stream(probe, codecType).GetProperty("codec_name").GetString()!;

    public static double FormatDuration(JsonDocument probe) =>
        double.Parse(probe.RootElement.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Presentation time (s) and key flag of every packet of one stream ("v:0", "a:0").</summary>
    public static async Task<List<(double Time, bool Key)>> PacketsAsync(string file, string streamSelector)
    {
        var (code, stdout, stderr) = await RunAsync("ffprobe", "-v", "error", "-select_streams", streamSelector,
            "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", file);
        Assert.True(code == 0, "ffprobe failed: " + stderr);
        var packets = new List<(double, bool)>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',');
            if (parts.Length >= 2 && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
            {
                packets.Add((t, parts[1].Contains('K', StringComparison.Ordinal)));
            }
        }

        return packets;
    }

    /// <summary>Presentation time (s) of the first packet of one stream ("v:0", "a:0").</summary>
    public static async Task<double> FirstPacketSecondsAsync(string file, string streamSelector)
    {
        var (code, stdout, stderr) = await RunAsync("ffprobe", "-v", "error", "-select_streams", streamSelector, "-read_intervals", "%+#1",
            "-show_entries", "packet=pts_time", "-of", "csv=p=0", file);
        Assert.True(code == 0, "ffprobe failed: " + stderr);
        var first = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0].TrimEnd(',');
        return double.Parse(first, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Longest distance (s) between consecutive packet times, with the packet time at which it ends.</summary>
    public static (double Gap, double EndsAt) LongestGap(IReadOnlyList<(double Time, bool Key)> packets)
    {
        var longest = (Gap: 0.0, EndsAt: 0.0);
        for (var i = 1; i < packets.Count; i++)
        {
            var gap = packets[i].Time - packets[i - 1].Time;
            if (gap > longest.Gap)
            {
                longest = (gap, packets[i].Time);
            }
        }

        return longest;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} did not finish within {ToolTimeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
