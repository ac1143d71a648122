namespace CallBot.Recording;

/// <summary>Creates recording directories (0700) and files (0600) readable by the bot's user only.</summary>
internal static class OwnerOnlyFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode OwnerFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates every missing directory from <paramref name="root"/> down to the file's folder with 0700.</summary>
    public static void EnsureDirectoryFor(string root, string filePath)
    {
        CreateMissing(Path.GetFullPath(root));
        CreateMissing(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
    }

    public static FileStream CreateForWrite(string path) => new(path, CreateOptions());

    /// <summary>Deletes a file this process created; a failure leaves it behind, which is harmless.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Leaving an empty file behind is harmless.
        }
    }

    /// <summary>Most <c>-N</c> suffixes tried before giving up on a name.</summary>
    public const int MaxUniqueSuffix = 1000;

    /// <summary>
    /// Creates a new empty file (0600) at <paramref name="path"/>, or at <c>name-2.ext</c>, <c>name-3.ext</c>… when the name
    /// is taken: two remote names can be equal after sanitizing or truncation, and one recording must never overwrite
    /// another. <see cref="FileMode.CreateNew"/> makes the check and the creation one step. Returns the path used.
    /// </summary>
    public static string CreateUniqueEmptyFile(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var stem = Path.GetFileNameWithoutExtension(path);
        var extension = Path.GetExtension(path);
        for (var n = 1; n <= MaxUniqueSuffix; n++)
        {
            var candidate = n == 1 ? path : Path.Combine(directory, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{stem}-{n}{extension}"));
            try
            {
                using (new FileStream(candidate, CreateOptions(FileMode.CreateNew)))
                {
                }
            }
            catch (IOException) when (File.Exists(candidate))
            {
                continue;
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(candidate, OwnerFileMode);
            }

            return candidate;
        }

        throw new IOException($"{MaxUniqueSuffix} files named like '{Path.GetFileName(path)}' exist already.");
    }

    /// <summary>Free bytes for an unprivileged user on the file system of <paramref name="path"/> (its nearest existing folder).</summary>
    public static long FreeBytes(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        return new DriveInfo(existing).AvailableFreeSpace;
    }

    private static FileStreamOptions CreateOptions(FileMode mode = FileMode.Create)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerFileMode;
        }

        return options;
    }

    /// <summary>Creates each missing level itself so every new level gets 0700, whatever the umask.</summary>
    private static void CreateMissing(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        var parent = Path.GetDirectoryName(directory);
        if (parent is not null)
        {
            CreateMissing(parent);
        }

        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, DirectoryMode);
        }
    }
}
