using BenchmarkDotNet.Attributes;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Ffmpeg;
using CallBot.Media.Pacing;
using CallBot.Media.Profiles;
using CallBot.Media.Sources;

namespace CallBot.Benchmarks.Media;

/// <summary>
/// CPU and memory to keep N calls (each one audio + one video sender) fed from one cached clip by the one media clock.
/// One operation = one second of media (200 ticks of 5 ms): Mean / 1 s is the share of one core it takes.
/// Run: <c>dotnet run -c Release --project bench/CallBot.Benchmarks -- --filter '*MediaClock*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class MediaClockBenchmarks
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private ManualTimeProvider _time = null!;
    private MediaClock _clock = null!;
    private ByteCountingSink[] _sinks = null!;

    [Params(10, 100, 1000)]
    public int Calls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // A real 640x360 VP8 clip and Opus clip of the synthetic card, encoded once like production does.
        var cache = new ClipCache(new ClipEncoder(new FfmpegRunner()));
        var source = new SyntheticSource();
        var video = cache.GetVideoTrackAsync(source, VideoLadder.Of(new VideoProfile(CodecId.Vp8, 640, 360, 30, 600, 60, 5))).GetAwaiter().GetResult();
        var audio = cache.GetAudioTrackAsync(source, new AudioProfile(ClipSeconds: 5)).GetAwaiter().GetResult();

        _time = new ManualTimeProvider();
        _clock = new MediaClock(_time, new MediaClockOptions { Tick = Tick });
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _sinks = new ByteCountingSink[Calls * 2];
        for (var i = 0; i < Calls; i++)
        {
            _sinks[2 * i] = new ByteCountingSink();
            _sinks[2 * i + 1] = new ByteCountingSink();
            _clock.Register(video, _sinks[2 * i]);
            _clock.Register(audio, _sinks[2 * i + 1]);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// media: {Calls} calls: {(after - before) / (Calls * 2.0):0} bytes per sender (incl. sink); shared clips: video {video.Renditions[0].Buffer.Length} B + filler {video.Filler!.Buffer.Length} B, audio {audio.Renditions[0].Buffer.Length} B");
    }

    [GlobalCleanup]
    public void Cleanup() => _clock.Dispose();

    [Benchmark(Description = "1 s of media for N calls (audio+video)")]
    public long OneSecondOfMedia()
    {
        for (var i = 0; i < 200; i++)
        {
            _time.Advance(Tick);
            _clock.Tick();
        }

        return _sinks[0].Bytes;
    }

    /// <summary>Stands for an RTP packetizer: reads the frame, keeps nothing.</summary>
    private sealed class ByteCountingSink : IEncodedFrameSink
    {
        public long Bytes;

        public void OnFrame(in EncodedFrame frame) => Bytes += frame.Data.Length + frame.Data.Span[0];
    }
}
