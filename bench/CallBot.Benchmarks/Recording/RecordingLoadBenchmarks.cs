using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using CallBot.Abstractions;
using CallBot.Recording;

namespace CallBot.Benchmarks.Recording;

/// <summary>
/// N concurrent participant recordings (640x360/30 fps VP8 + Opus, copy-muxed by one FFmpeg each), fed as fast as
/// possible from a cached clip. Prints CPU-seconds per recording-second (ours + FFmpeg children) and memory per
/// recording (FFmpeg peak RSS, managed heap growth). Run:
/// <c>dotnet run -c Release --project bench/CallBot.Benchmarks -- --filter '*RecordingLoad*' --job dry --inProcess</c>
/// (one iteration per size; each size also runs once more while BenchmarkDotNet jits it).
/// </summary>
[MemoryDiagnoser]
public class RecordingLoadBenchmarks
{
    private const double ClipSeconds = 10;
    private BenchClip _clip = null!;
    private string _root = string.Empty;

    [Params(20, 50, 100)]
    public int Recordings { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _clip = BenchClip.Make(ClipSeconds);
        _root = Directory.CreateTempSubdirectory("callbot-bench-recordings-").FullName;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, true);

    [Benchmark]
    public async Task RecordConcurrently()
    {
        var report = await RecordingLoad.RunAsync(_clip, Recordings, _root);
        Console.WriteLine(report);
    }
}

/// <summary>The load run itself, usable outside BenchmarkDotNet too.</summary>
internal static class RecordingLoad
{
    public static async Task<string> RunAsync(BenchClip clip, int count, string root)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var options = new RecordingOptions { RootDirectory = root, MaxQueuedFrames = 100_000, PathTemplate = "{sessionId}/{userId}.webm" };
        var self = Process.GetCurrentProcess();
        var (childBefore, _) = ChildCpu();
        var ownBefore = self.TotalProcessorTime;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var wall = Stopwatch.StartNew();

        var recorders = new List<ParticipantRecorder>(count);
        var clocks = new List<ManualClock>(count);
        for (var i = 0; i < count; i++)
        {
            var clock = new ManualClock(start);
            var path = Path.Combine(root, $"r{i}.webm");
            var recorder = new ParticipantRecorder($"u{i}", path, CodecId.Opus, CodecId.Vp8, options, clock);
            if (!recorder.Start(root))
            {
                throw new InvalidOperationException(recorder.Error);
            }

            recorders.Add(recorder);
            clocks.Add(clock);
        }

        // Interleave the recordings frame by frame, as a receiving host would.
        int v = 0, a = 0;
        while (v < clip.Video.Count || a < clip.Audio.Count)
        {
            var useVideo = a >= clip.Audio.Count || (v < clip.Video.Count && clip.Video[v].Timestamp * 48_000 <= clip.Audio[a].Timestamp * 90_000);
            var frame = useVideo ? clip.Video[v++] : clip.Audio[a++];
            var at = start.AddSeconds(frame.Timestamp / (double)frame.Codec.ClockRate());
            for (var i = 0; i < count; i++)
            {
                clocks[i].Set(at);
                recorders[i].OnFrame(frame);
            }
        }

        long peakRssKb = 0;
        long anonRssKb = 0;
        foreach (var r in recorders)
        {
            peakRssKb += StatusKb(r.FfmpegProcessId, "VmHWM:");
            anonRssKb += StatusKb(r.FfmpegProcessId, "RssAnon:");
        }

        var heapAfterFeed = GC.GetTotalMemory(forceFullCollection: false);
        var stops = new Task<ParticipantRecordingInfo>[count];
        for (var i = 0; i < count; i++)
        {
            stops[i] = recorders[i].StopAsync();
        }

        var infos = await Task.WhenAll(stops);
        foreach (var r in recorders)
        {
            await r.DisposeAsync();
        }

        wall.Stop();
        var (childAfter, _) = ChildCpu();
        var own = (self.TotalProcessorTime - ownBefore).TotalSeconds;
        var child = childAfter - childBefore;
        var completed = 0;
        foreach (var info in infos)
        {
            completed += info.Status == RecordingStatus.Completed ? 1 : 0;
        }

        var recordingSeconds = count * clip.Seconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"RecordingLoad n={count} completed={completed} media={clip.Seconds}s wall={wall.Elapsed.TotalSeconds:0.00}s " +
            $"cpu(own)={own:0.00}s cpu(ffmpeg)={child:0.00}s cpu/recording-second={(own + child) / recordingSeconds:0.0000} " +
            $"ffmpegPeakRss/recording={peakRssKb / 1024.0 / count:0.0}MiB (private anon {anonRssKb / 1024.0 / count:0.0}MiB) managedHeapGrowth/recording={(heapAfterFeed - heapBefore) / 1024.0 / 1024.0 / count:0.00}MiB");
    }

    /// <summary>CPU seconds of reaped children (utime+stime of /proc/self/stat fields 16-17: cutime, cstime).</summary>
    private static (double Seconds, bool Ok) ChildCpu()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return (ticks / 100.0, true);
        }
        catch (IOException)
        {
            return (0, false);
        }
    }

    /// <summary>A kB field of /proc/PID/status (VmHWM counts shared FFmpeg libraries; RssAnon is the process's own memory).</summary>
    private static long StatusKb(int? pid, string field)
    {
        if (pid is null)
        {
            return 0;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
