using System.Diagnostics;
using System.Text;

namespace CallBot.TestSupport.Network;

/// <summary>Runs iproute2's <c>ip</c> and turns a non-zero exit into a <see cref="NetworkLabException"/> carrying its stderr.</summary>
internal static class IpTool
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);
    private static readonly string[] SearchDirectories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>Full path of <c>ip</c>, or a clear error when the lab cannot work here.</summary>
    public static string RequirePrerequisites()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new NetworkLabException("NetworkLab needs Linux network namespaces.");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new NetworkLabException(
                "NetworkLab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create namespaces and veth links: run the tests as root, e.g. scripts/test.sh.");
        }

        return Find() ?? throw new NetworkLabException(
            "iproute2's `ip` was not found on PATH or in /usr/sbin, /sbin: run scripts/setup.sh (it installs iproute2).");
    }

    private static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(SearchDirectories))
        {
            var candidate = Path.Combine(dir, "ip");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs <c>ip [-n ns] args</c> and returns stdout.</summary>
    public static async Task<string> RunAsync(string ipPath, LabNamespace? ns, IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(ipPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (ns is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(ns.Name);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new NetworkLabException("could not start " + ipPath);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new NetworkLabException($"`{Describe(start)}` did not finish within {CommandTimeout.TotalSeconds:0} s");
        }

        var output = await stdout;
        var error = await stderr;
        if (process.ExitCode != 0)
        {
            throw new NetworkLabException($"`{Describe(start)}` failed (exit {process.ExitCode}): {error.Trim()}");
        }

        return output;
    }

    private static string Describe(ProcessStartInfo start)
    {
        var text = new StringBuilder("ip");
        foreach (var arg in start.ArgumentList)
        {
            text.Append(' ').Append(arg);
        }

        return text.ToString();
    }
}
