using CallBot.Recording;

namespace CallBot.Delivery;

/// <summary>Whole-file replace that a crash cannot tear: write a temp file (0600), flush to disk, rename over the target.</summary>
internal static class AtomicFile
{
    /// <summary>Creates the directory (and missing parents) with mode 0700.</summary>
    public static void EnsureDirectory(string directory) => OwnerOnlyFiles.EnsureDirectoryFor(directory, Path.Combine(directory, "_"));

    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = OwnerOnlyFiles.CreateForWrite(temp))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
