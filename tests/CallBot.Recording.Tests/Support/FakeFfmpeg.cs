namespace CallBot.Recording.Tests.Support;

/// <summary>A shell script standing in for FFmpeg (one that hangs, or dies at start-up). <c>$out</c> is its last argument, the output file.</summary>
internal static class FakeFfmpeg
{
    public static async Task<string> WriteAsync(string directory, string name, string body)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllTextAsync(path, "#!/bin/sh\nfor a; do out=$a; done\n" + body + "\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
