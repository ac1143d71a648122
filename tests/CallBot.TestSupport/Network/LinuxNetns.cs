using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace CallBot.TestSupport.Network;

/// <summary>
/// Runs a delegate on a dedicated thread that has joined another network namespace with <c>setns(fd, CLONE_NEWNET)</c>.
/// A socket created there stays in that namespace for its whole life, whichever thread uses it later, so tests can
/// bind sockets in a lab namespace without a child process. The thread switches back before it ends; it is never a
/// pool thread, so a failed switch-back cannot leak a foreign namespace into unrelated work.
/// </summary>
internal static class LinuxNetns
{
    private const int CloneNewNet = 0x40000000;
    private const string CurrentThreadNamespace = "/proc/thread-self/ns/net";

    public static T RunInside<T>(string namespacePath, Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunOnThisThread(namespacePath, body);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + namespacePath,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>The inode of the calling thread's network namespace (what <c>/proc/thread-self/ns/net</c> links to).</summary>
    public static string CurrentNamespaceId() => File.ResolveLinkTarget(CurrentThreadNamespace, returnFinalTarget: false)?.Name ?? "";

    private static T RunOnThisThread<T>(string namespacePath, Func<T> body)
    {
        using SafeFileHandle home = File.OpenHandle(CurrentThreadNamespace);
        using SafeFileHandle target = OpenNamespace(namespacePath);
        Enter(target, namespacePath);
        try
        {
            return body();
        }
        finally
        {
            // The thread ends right after this, so a failure here cannot affect other work; still report it.
            Enter(home, CurrentThreadNamespace);
        }
    }

    private static SafeFileHandle OpenNamespace(string path)
    {
        try
        {
            return File.OpenHandle(path);
        }
        catch (IOException e)
        {
            throw new NetworkLabException($"cannot open network namespace {path}: {e.Message}", e);
        }
    }

    private static void Enter(SafeFileHandle ns, string what)
    {
        if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetworkLabException($"setns({what}, CLONE_NEWNET) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}); needs CAP_SYS_ADMIN");
        }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetNs(int fd, int nsType);
}
