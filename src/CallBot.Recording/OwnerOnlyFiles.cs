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

    /// <summary>Creates (or truncates) the file with mode 0600 so that FFmpeg, which opens it later, keeps that mode.</summary>
    public static void CreateEmptyFile(string path)
    {
        using (new FileStream(path, CreateOptions()))
        {
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerFileMode);
        }
    }

    public static FileStream CreateForWrite(string path) => new(path, CreateOptions());

    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
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
