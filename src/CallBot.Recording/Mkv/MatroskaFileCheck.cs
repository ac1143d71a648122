namespace CallBot.Recording.Mkv;

/// <summary>
/// Whether a file FFmpeg wrote holds any media: an EBML header, a Segment, and in it a Cluster with a complete block.
/// FFmpeg writes its header only once it has opened its input, which needs the first cluster of ours; exiting before that
/// (input that ended after our header, killed at start-up) leaves the empty file we created, and killed after its header
/// but before its first cluster it leaves a header no reader accepts ("EBML header parsing failed", "File ended
/// prematurely"). Neither is a recording. Walks element headers only (a few reads at the start of the file).
/// </summary>
internal static class MatroskaFileCheck
{
    private const int BlockGroup = 0xA0;

    /// <summary>True when <paramref name="path"/> is a Matroska/WebM file with at least one complete block in a cluster.</summary>
    public static bool HoldsMedia(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 4096);
            var reader = new ElementReader(file);
            if (!reader.TryNext(out var id, out var size) || id != MatroskaIds.Ebml || size is not { } headerSize || !reader.Skip(headerSize)
                || !reader.TryNext(out id, out _) || id != MatroskaIds.Segment)
            {
                return false;
            }

            // Level 1 (SeekHead, Info, Tracks, Void, Tags, Cues…) until the first Cluster. A Segment of unknown size (FFmpeg
            // killed before its trailer) is walked the same way: its children follow until the end of the file.
            while (reader.TryNext(out id, out size))
            {
                if (id == MatroskaIds.Cluster)
                {
                    return ClusterHoldsBlock(reader, size);
                }

                if (size is not { } known || !reader.Skip(known))
                {
                    return false;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool ClusterHoldsBlock(ElementReader reader, long? clusterSize)
    {
        var end = clusterSize is { } clusterBytes ? reader.Position + clusterBytes : long.MaxValue;
        while (reader.Position < end && reader.TryNext(out var id, out var size))
        {
            if (size is not { } known || reader.Position + known > Math.Min(end, reader.Length))
            {
                return false; // cut off mid-element (killed while writing)
            }

            if (id is MatroskaIds.SimpleBlock or BlockGroup)
            {
                return known > 0;
            }

            _ = reader.Skip(known); // inside the file: checked above
        }

        return false;
    }

    /// <summary>Reads EBML element headers (RFC 8794 §4): an ID of 1–4 bytes, a VINT size of 1–8 bytes (all ones: unknown).</summary>
    private sealed class ElementReader(FileStream file)
    {
        public long Position => file.Position;

        public long Length => file.Length;

        public bool TryNext(out uint id, out long? size)
        {
            size = null;
            id = 0;
            var first = file.ReadByte();
            if (first <= 0)
            {
                return false; // end of file, or 0x00: not a valid ID
            }

            var idLength = LeadingZeros(first) + 1;
            if (idLength > 4)
            {
                return false;
            }

            id = (uint)first;
            for (var i = 1; i < idLength; i++)
            {
                var b = file.ReadByte();
                if (b < 0)
                {
                    return false;
                }

                id = (id << 8) | (uint)b;
            }

            var sizeFirst = file.ReadByte();
            if (sizeFirst <= 0)
            {
                return false;
            }

            var sizeLength = LeadingZeros(sizeFirst) + 1;
            var value = (long)(sizeFirst & (0xFF >> sizeLength));
            var allOnes = value == 0xFF >> sizeLength;
            for (var i = 1; i < sizeLength; i++)
            {
                var b = file.ReadByte();
                if (b < 0)
                {
                    return false;
                }

                value = (value << 8) | (uint)b;
                allOnes &= b == 0xFF;
            }

            size = allOnes ? null : value;
            return true;
        }

        /// <summary>Moves past <paramref name="bytes"/> of element data; false when the file ends first.</summary>
        public bool Skip(long bytes)
        {
            if (file.Position + bytes > file.Length)
            {
                return false;
            }

            file.Seek(bytes, SeekOrigin.Current);
            return true;
        }

        private static int LeadingZeros(int b) => System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24;
    }
}
