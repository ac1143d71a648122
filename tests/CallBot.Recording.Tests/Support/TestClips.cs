using CallBot.Abstractions;

namespace CallBot.Recording.Tests.Support;

/// <summary>Encoded clips made once per test run with ffmpeg (lavfi testsrc2 + sine), parsed by the test readers.</summary>
public sealed class TestClips : IDisposable
{
    public const double Seconds = 5;

    private readonly string _dir = Directory.CreateTempSubdirectory("callbot-rec-clips-").FullName;
    private readonly Lazy<List<EncodedFrame>> _vp8;
    private readonly Lazy<List<EncodedFrame>> _opus;
    private readonly Lazy<List<EncodedFrame>> _h264;
    private readonly Lazy<List<EncodedFrame>> _vp8LongGop;

    public TestClips()
    {
        _vp8 = new(() =>
        {
            var path = Path.Combine(_dir, "v.ivf");
            FfTool.Make("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "5", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "400k", path);
            return IvfReader.ReadVp8(path);
        });
        _opus = new(() =>
        {
            var path = Path.Combine(_dir, "a.ogg");
            FfTool.Make("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "5", "-ac", "2", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", path);
            return OggOpusReader.Read(path);
        });
        _vp8LongGop = new(() =>
        {
            var path = Path.Combine(_dir, "long.ivf");
            FfTool.Make("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "5", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "1000", "-b:v", "400k", path);
            return IvfReader.ReadVp8(path);
        });
        _h264 = new(() =>
        {
            var path = Path.Combine(_dir, "v.h264");
            FfTool.Make("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "baseline", "-g", "30", "-bf", "0", "-x264-params", "aud=1", "-f", "h264", path);
            return H264AnnexBReader.Read(path, 30);
        });
    }

    /// <summary>5 s with one keyframe only (WebRTC senders send keyframes only on request).</summary>
    public IReadOnlyList<EncodedFrame> Vp8LongGop => _vp8LongGop.Value;

    public IReadOnlyList<EncodedFrame> Vp8 => _vp8.Value;

    public IReadOnlyList<EncodedFrame> Opus => _opus.Value;

    public IReadOnlyList<EncodedFrame> H264 => _h264.Value;

    /// <summary>The clip repeated <paramref name="times"/> times back to back, timestamps continuing.</summary>
    public static List<EncodedFrame> Loop(IReadOnlyList<EncodedFrame> clip, int times, int clockRate)
    {
        var span = (long)(Seconds * clockRate);
        var frames = new List<EncodedFrame>(clip.Count * times);
        for (var i = 0; i < times; i++)
        {
            foreach (var f in clip)
            {
                frames.Add(f with { Timestamp = f.Timestamp + i * span });
            }
        }

        return frames;
    }

    public static string NewDirectory() => Directory.CreateTempSubdirectory("callbot-rec-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
