using BenchmarkDotNet.Attributes;
using CallBot.Recording.Mkv;

namespace CallBot.Benchmarks.Recording;

/// <summary>Per-frame cost of the live Matroska serialization (one second of 30 fps video + 50 Opus frames per op).</summary>
[MemoryDiagnoser]
public class MatroskaWriterBenchmarks
{
    private readonly EbmlWriter _writer = new(256 * 1024);
    private readonly byte[] _video = new byte[3500];
    private readonly byte[] _audio = new byte[120];

    [Benchmark]
    public int OneSecondCluster()
    {
        _writer.Reset();
        MatroskaLiveWriter.BeginCluster(_writer, 1000);
        for (var i = 0; i < 50; i++)
        {
            MatroskaLiveWriter.WriteSimpleBlock(_writer, 2, (short)(i * 20), true, _audio);
            if (i % 5 < 3)
            {
                MatroskaLiveWriter.WriteSimpleBlock(_writer, 1, (short)(i * 20), false, _video);
            }
        }

        MatroskaLiveWriter.EndCluster(_writer);
        return _writer.Length;
    }
}
