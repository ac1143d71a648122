using CallBot.Abstractions;

namespace CallBot.Recording.Tests.Support;

/// <summary>Test-only Ogg Opus reader (RFC 3533 pages, RFC 7845 packets); assumes 20 ms packets as the test encodes.</summary>
internal static class OggOpusReader
{
    private const int PageHeaderLength = 27;
    private const int OpusFrameTicks = 960;

    public static List<EncodedFrame> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var packets = new List<ReadOnlyMemory<byte>>();
        var current = new List<byte>();
        var offset = 0;
        while (offset + PageHeaderLength <= bytes.Length)
        {
            if (!bytes.AsSpan(offset, 4).SequenceEqual("OggS"u8))
            {
                throw new InvalidDataException("lost Ogg sync");
            }

            int segments = bytes[offset + 26];
            var dataOffset = offset + PageHeaderLength + segments;
            for (var i = 0; i < segments; i++)
            {
                int lace = bytes[offset + PageHeaderLength + i];
                current.AddRange(bytes.AsSpan(dataOffset, lace).ToArray());
                dataOffset += lace;
                if (lace < 255)
                {
                    packets.Add(current.ToArray());
                    current.Clear();
                }
            }

            offset = dataOffset;
        }

        var frames = new List<EncodedFrame>();
        for (var i = 2; i < packets.Count; i++)
        {
            frames.Add(new EncodedFrame(CodecId.Opus, packets[i], (long)(i - 2) * OpusFrameTicks, OpusFrameTicks, true));
        }

        return frames;
    }
}
