using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace CallBot.Recording.Tests.Support;

/// <summary>Runs ffmpeg/ffprobe for tests: clip generation, probing and decoding of recordings.</summary>
internal static class FfTool
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(true);
            throw new TimeoutException($"{tool} did not finish");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static void Make(params string[] args)
    {
        var (code, _, err) = Run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", .. args]);
        Assert.True(code == 0, "ffmpeg failed: " + err);
    }

    /// <summary><c>ffprobe -v error -show_streams -show_format -of json</c>; asserts it prints no error.</summary>
    public static JsonDocument Probe(string file)
    {
        var (code, stdout, stderr) = Run("ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", file);
        Assert.True(code == 0, "ffprobe failed: " + stderr);
        Assert.True(stderr.Length == 0, "ffprobe reported: " + stderr);
        return JsonDocument.Parse(stdout);
    }

    /// <summary><c>ffmpeg -v error -i F -f null -</c>: returns what it printed (empty = decodes cleanly).</summary>
    public static string DecodeErrors(string file)
    {
        var (code, _, stderr) = Run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", file, "-f", "null", "-");
        return code == 0 ? stderr : $"exit {code}: {stderr}";
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

        throw new Xunit.Sdk.XunitException($"no {codecType} stream");
    }

    public static double Seconds(JsonElement element, string property) =>
        double.Parse(element.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);

    /// <summary>Presentation times (s) of every packet of one stream, from ffprobe.</summary>
    public static List<double> PacketTimes(string file, string streamSelector)
    {
        var (code, stdout, stderr) = Run("ffprobe", "-v", "error", "-select_streams", streamSelector, "-show_entries", "packet=pts_time", "-of", "csv=p=0", file);
        Assert.True(code == 0, "ffprobe failed: " + stderr);
        var times = new List<double>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (double.TryParse(line.TrimEnd(','), CultureInfo.InvariantCulture, out var t))
            {
                times.Add(t);
            }
        }

        return times;
    }

    /// <summary>Decodes the audio to mono 48 kHz s16 and returns the time (s) of the first sample above the threshold.</summary>
    public static double FirstLoudAudioSecond(string file, short threshold = 1000)
    {
        var pcm = Path.GetTempFileName();
        try
        {
            FfTool.Make("-i", file, "-map", "0:a", "-af", "aresample=async=1:first_pts=0", "-ac", "1", "-ar", "48000", "-f", "s16le", pcm);
            var bytes = File.ReadAllBytes(pcm);
            for (var i = 0; i + 1 < bytes.Length; i += 2)
            {
                if (Math.Abs(BitConverter.ToInt16(bytes, i)) > threshold)
                {
                    return i / 2 / 48_000.0;
                }
            }

            return double.NaN;
        }
        finally
        {
            File.Delete(pcm);
        }
    }
}
