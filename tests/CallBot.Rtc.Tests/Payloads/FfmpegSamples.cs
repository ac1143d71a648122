using System.Buffers.Binary;
using System.Diagnostics;

namespace CallBot.Rtc.Tests.Payloads;

/// <summary>
/// Real encoded frames made by ffmpeg once per test run. Containers are split here, in test code only
/// (IVF for VP8, Annex B with AUDs for H.264, Ogg for Opus).
/// </summary>
internal static class FfmpegSamples
{
    private static readonly Lazy<IReadOnlyList<byte[]>> Vp8 = new(() => ReadIvf(Run(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libvpx -b:v 600k -g 15 -f ivf -")));

    private static readonly Lazy<IReadOnlyList<byte[]>> H264 = new(() => SplitAccessUnits(Run(
        "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libx264 -preset ultrafast -x264-params aud=1:keyint=15 -bsf:v h264_mp4toannexb -f h264 -")));

    private static readonly Lazy<IReadOnlyList<byte[]>> Opus = new(() => ReadOggPackets(Run(
        "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 -c:a libopus -b:a 32k -f ogg -")));

    /// <summary>30 VP8 frames, 320×240, a keyframe every 15.</summary>
    public static IReadOnlyList<byte[]> Vp8Frames => Vp8.Value;

    /// <summary>30 H.264 access units in Annex B (each starting with an AUD), an IDR every 15.</summary>
    public static IReadOnlyList<byte[]> H264AccessUnits => H264.Value;

    /// <summary>About 50 Opus packets of 20 ms.</summary>
    public static IReadOnlyList<byte[]> OpusPackets => Opus.Value;

    private static byte[] Run(string arguments)
    {
        var info = new ProcessStartInfo("ffmpeg", "-hide_banner -loglevel error " + arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException("ffmpeg did not start");
        using var output = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("ffmpeg failed: " + stderr.Result);
        }

        return output.ToArray();
    }

    // IVF: 32-byte file header, then per frame a 12-byte header (LE size, LE 64-bit pts) and the frame.
    private static List<byte[]> ReadIvf(byte[] ivf)
    {
        var frames = new List<byte[]>();
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(ivf.AsSpan(6));
        while (offset + 12 <= ivf.Length)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(ivf.AsSpan(offset));
            frames.Add(ivf.AsSpan(offset + 12, size).ToArray());
            offset += 12 + size;
        }

        return frames;
    }

    // Splits an Annex B stream before every access unit delimiter (NAL type 9).
    private static List<byte[]> SplitAccessUnits(byte[] stream)
    {
        var starts = new List<int>();
        for (var i = 0; i + 4 < stream.Length; i++)
        {
            if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 0 && stream[i + 3] == 1 && (stream[i + 4] & 0x1F) == 9)
            {
                starts.Add(i);
            }
        }

        var units = new List<byte[]>();
        for (var i = 0; i < starts.Count; i++)
        {
            var end = i + 1 < starts.Count ? starts[i + 1] : stream.Length;
            units.Add(stream.AsSpan(starts[i], end - starts[i]).ToArray());
        }

        return units;
    }

    // Ogg pages: "OggS", 27-byte header whose last byte is the segment count, the segment table, then the data.
    // A packet ends at a segment shorter than 255. The first two packets are OpusHead and OpusTags.
    private static List<byte[]> ReadOggPackets(byte[] ogg)
    {
        var packets = new List<byte[]>();
        var current = new List<byte>();
        var offset = 0;
        while (offset + 27 <= ogg.Length)
        {
            var segments = ogg[offset + 26];
            var data = offset + 27 + segments;
            for (var s = 0; s < segments; s++)
            {
                var length = ogg[offset + 27 + s];
                current.AddRange(ogg.AsSpan(data, length).ToArray());
                data += length;
                if (length < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }

            offset = data;
        }

        return packets.Skip(2).ToList();
    }
}
