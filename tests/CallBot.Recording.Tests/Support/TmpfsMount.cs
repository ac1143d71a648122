using System.Diagnostics;

namespace CallBot.Recording.Tests.Support;

/// <summary>A small tmpfs the test mounts (tests run as root); fails the test with a clear message if it cannot.</summary>
internal sealed class TmpfsMount : IDisposable
{
    public TmpfsMount(string options)
    {
        Path = Directory.CreateTempSubdirectory("callbot-rec-tmpfs-").FullName;
        var (code, err) = Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", Path);
        Assert.True(code == 0, $"This test needs to mount a tmpfs ({options}) and could not (run as root, with mount rights): {err}");
    }

    public string Path { get; }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static (int Code, string Err) Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(info)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
