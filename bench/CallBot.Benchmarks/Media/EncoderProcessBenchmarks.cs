using System.Globalization;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Benchmarks.Media;

/// <summary>
/// The alternative to a shared clip: one live FFmpeg encoder per call. Runs N (2..4) real-time encodes of the synthetic
/// card (640x360 VP8 600 kbps + Opus, same profile as <see cref="MediaClockBenchmarks"/>) side by side for a few
/// seconds, reads each process's CPU time and peak RSS from FFmpeg's own <c>-benchmark</c> report, and prints the cost
/// per process per second of media. N processes cost N times that (encoders do not share work), which is how the
/// figures for 10/100/1000 calls are extrapolated — on 2 cores, about four such encoders already use a whole core.
/// One iteration only: this measures processes, not nanoseconds. Run it out of process (the default): BenchmarkDotNet
/// aborts it under <c>--inProcess</c> as too long. Figures: Media/README.md.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 1)]
public partial class EncoderProcessBenchmarks
{
    private const int Seconds = 2;

    [Params(2, 4)]
    public int Processes { get; set; }

    [Benchmark(Description = "N live ffmpeg encoders, 2 s of media")]
    public async Task<double> LiveEncoders()
    {
        var source = new SyntheticSource();
        var runner = new FfmpegRunner(new FfmpegOptions { RunTimeout = TimeSpan.FromMinutes(10) }); // a loaded machine runs late
        var info = await source.DescribeAsync(runner, CancellationToken.None);
        var profile = new VideoProfile(CodecId.Vp8, 640, 360, 30, 600, 60, Seconds);
        var video = source.VideoInput(profile, Seconds);
        var audio = source.AudioInput(new AudioProfile(), Seconds);
        var args = new List<string> { "-y", "-v", "info", "-benchmark", "-re" };
        args.AddRange(video.InputArguments);
        args.Add("-re");
        args.AddRange(audio.InputArguments);
        var encode = ClipEncoder.VideoArguments(new FfmpegInput([], null), profile, Seconds);
        encode[encode.IndexOf("pipe:1")] = "/dev/null";
        args.AddRange(encode);
        args.AddRange(["-map", "1:a:0", "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-f", "ogg", "/dev/null"]);

        var runs = new List<Task<FfmpegResult>>();
        for (var i = 0; i < Processes; i++)
        {
            runs.Add(runner.RunAsync(args));
        }

        var results = await Task.WhenAll(runs);
        double cpu = 0, rssKb = 0;
        foreach (var result in results)
        {
            var m = BenchLine().Match(result.StderrTail);
            if (m.Success)
            {
                cpu += double.Parse(m.Groups["u"].Value, CultureInfo.InvariantCulture) + double.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture);
            }

            var r = RssLine().Match(result.StderrTail);
            if (r.Success)
            {
                rssKb += double.Parse(r.Groups["kb"].Value, CultureInfo.InvariantCulture);
            }
        }

        var perProcess = cpu / Processes / Seconds;
        Console.WriteLine($"// encoders: {Processes} processes, CPU {cpu:0.00} s for {Seconds} s of media = {perProcess:0.000} core per process; peak RSS {rssKb / Processes / 1024:0.0} MiB per process");
        Console.WriteLine($"// extrapolated: 10 calls = {perProcess * 10:0.0} cores, 100 = {perProcess * 100:0.0} cores, 1000 = {perProcess * 1000:0} cores; RSS 1000 = {rssKb / Processes * 1000 / 1024 / 1024:0.0} GiB");
        return perProcess;
    }

    [GeneratedRegex(@"bench: utime=(?<u>[0-9.]+)s stime=(?<s>[0-9.]+)s")]
    private static partial Regex BenchLine();

    [GeneratedRegex(@"bench: maxrss=(?<kb>[0-9]+)kB")]
    private static partial Regex RssLine();
}
