using System.Buffers.Binary;
using System.Diagnostics;
using CallBot.Abstractions;

namespace CallBot.Benchmarks.Recording;

/// <summary>A 640x360/30 fps VP8 + Opus clip made once with ffmpeg and read into memory (bench-only readers).</summary>
internal sealed class BenchClip
{
    public required IReadOnlyList<EncodedFrame> Video { get; init; }

    public required IReadOnlyList<EncodedFrame> Audio { get; init; }

    public double Seconds { get; init; }

    public static BenchClip Make(double seconds)
    {
        var dir = Directory.CreateTempSubdirectory("callbot-bench-rec-").FullName;
        var ivf = Path.Combine(dir, "v.ivf");
        var ogg = Path.Combine(dir, "a.ogg");
        var t = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Run("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", t, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "300", "-b:v", "800k", ivf);
        Run("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", t, "-ac", "2", "-c:a", "libopus", "-b:a", "48k", "-frame_duration", "20", ogg);
        var clip = new BenchClip { Video = ReadIvf(ivf), Audio = ReadOgg(ogg), Seconds = seconds };
        Directory.Delete(dir, true);
        return clip;
    }

    private static void Run(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-loglevel", "error", "-nostdin", "-y", .. args])
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("ffmpeg failed making the bench clip");
        }
    }

    private static List<EncodedFrame> ReadIvf(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var frames = new List<EncodedFrame>();
        var offset = 32;
        while (offset + 12 <= bytes.Length)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var pts = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset + 4));
            var data = bytes.AsMemory(offset + 12, size);
            offset += 12 + size;
            frames.Add(new EncodedFrame(CodecId.Vp8, data, pts * 3000, 3000, (data.Span[0] & 1) == 0));
        }

        return frames;
    }

    private static List<EncodedFrame> ReadOgg(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var packets = new List<byte[]>();
        var current = new List<byte>();
        var offset = 0;
        while (offset + 27 <= bytes.Length)
        {
            int segments = bytes[offset + 26];
            var data = offset + 27 + segments;
            for (var i = 0; i < segments; i++)
            {
                int lace = bytes[offset + 27 + i];
                current.AddRange(bytes.AsSpan(data, lace).ToArray());
                data += lace;
                if (lace < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }

            offset = data;
        }

        var frames = new List<EncodedFrame>();
        for (var i = 2; i < packets.Count; i++)
        {
            frames.Add(new EncodedFrame(CodecId.Opus, packets[i], (i - 2) * 960L, 960, true));
        }

        return frames;
    }
}
