using System.Buffers.Binary;
using CallBot.Abstractions;

namespace CallBot.Recording.Tests.Support;

/// <summary>Test-only IVF reader (VP8 frames from an ffmpeg-made file). CallBot.Media owns the real readers.</summary>
internal static class IvfReader
{
    private const int FileHeaderLength = 32;
    private const int FrameHeaderLength = 12;

    public static List<EncodedFrame> ReadVp8(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < FileHeaderLength || !bytes.AsSpan(0, 4).SequenceEqual("DKIF"u8))
        {
            throw new InvalidDataException("not an IVF file");
        }

        var timebaseDen = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16));
        var timebaseNum = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20));
        var frames = new List<EncodedFrame>();
        var offset = FileHeaderLength;
        while (offset + FrameHeaderLength <= bytes.Length)
        {
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var pts = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset + 4));
            offset += FrameHeaderLength;
            var data = bytes.AsMemory(offset, size);
            offset += size;
            var ts = pts * 90_000 * timebaseNum / timebaseDen;
            frames.Add(new EncodedFrame(CodecId.Vp8, data, ts, (int)(90_000 * timebaseNum / timebaseDen), (data.Span[0] & 1) == 0));
        }

        return frames;
    }
}
