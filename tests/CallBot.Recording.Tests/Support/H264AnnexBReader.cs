using CallBot.Abstractions;

namespace CallBot.Recording.Tests.Support;

/// <summary>Test-only splitter of an Annex B stream made with <c>-x264-params aud=1</c> into access units.</summary>
internal static class H264AnnexBReader
{
    private const int NalTypeAud = 9;
    private const int NalTypeIdr = 5;

    public static List<EncodedFrame> Read(string path, int fps)
    {
        var bytes = File.ReadAllBytes(path);
        var starts = new List<int>();
        var idr = new List<bool>();
        for (var i = 0; i + 4 < bytes.Length; i++)
        {
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1)
            {
                var type = bytes[i + 3] & 0x1F;
                var codeStart = i > 0 && bytes[i - 1] == 0 ? i - 1 : i;
                if (type == NalTypeAud)
                {
                    starts.Add(codeStart);
                    idr.Add(false);
                }
                else if (type == NalTypeIdr && idr.Count > 0)
                {
                    idr[^1] = true;
                }

                i += 2;
            }
        }

        var frames = new List<EncodedFrame>();
        var duration = 90_000 / fps;
        for (var f = 0; f < starts.Count; f++)
        {
            var end = f + 1 < starts.Count ? starts[f + 1] : bytes.Length;
            frames.Add(new EncodedFrame(CodecId.H264, bytes.AsMemory(starts[f], end - starts[f]), (long)f * duration, duration, idr[f]));
        }

        return frames;
    }
}
