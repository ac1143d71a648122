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
        for (var at = 0; (at = AnnexBNalReader.FindStartCode(bytes, at, out var header)) >= 0 && header < bytes.Length; at = header)
        {
            var type = bytes[header] & 0x1F;
            if (type == NalTypeAud)
            {
                starts.Add(at);
                idr.Add(false);
            }
            else if (type == NalTypeIdr && idr.Count > 0)
            {
                idr[^1] = true;
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
