using System.Diagnostics;

namespace CallBot.Load.Soak;

/// <summary>Reads the process's resource use; a seam so tests can feed synthetic samples.</summary>
public interface IProcessProbe
{
    /// <summary>
    /// (RSS bytes, GC heap bytes, bytes the GC has committed from the OS, threads, open sockets). RSS minus GC committed
    /// is native memory (JIT code, thread stacks, OpenSSL, malloc arenas): it tells a managed leak from a native one.
    /// </summary>
    (long Rss, long GcHeap, long GcCommitted, int Threads, int Sockets) Read();
}

/// <summary>The current process: RSS and threads from <see cref="Process"/>, GC heap and committed bytes from the GC, sockets by counting /proc/self/fd links to <c>socket:</c>.</summary>
public sealed class ProcessProbe : IProcessProbe
{
    public (long Rss, long GcHeap, long GcCommitted, int Threads, int Sockets) Read()
    {
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        return (process.WorkingSet64, GcHeapBytes(GC.GetTotalMemory(forceFullCollection: false), gc), gc.TotalCommittedBytes,
            process.Threads.Count, CountSockets());
    }

    /// <summary>
    /// The GC's own estimate of the heap in use, or when that is not positive, the heap after the last collection minus its
    /// free space: under the regions GC <c>GetTotalMemory</c> can underflow to 0 or below (dotnet/runtime#106712).
    /// </summary>
    public static long GcHeapBytes(long totalMemoryEstimate, GCMemoryInfo lastCollection) =>
        totalMemoryEstimate > 0 ? totalMemoryEstimate : Math.Max(0, lastCollection.HeapSizeBytes - lastCollection.FragmentedBytes);

    /// <summary>Open sockets of this process (Linux); -1 where /proc is missing.</summary>
    public static int CountSockets()
    {
        const string fdDirectory = "/proc/self/fd";
        if (!Directory.Exists(fdDirectory))
        {
            return -1;
        }

        var count = 0;
        try
        {
            foreach (var link in Directory.EnumerateFileSystemEntries(fdDirectory))
            {
                try
                {
                    if (new FileInfo(link).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                    {
                        count++;
                    }
                }
                catch (IOException)
                {
                    // The descriptor closed while we looked.
                }
            }
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }

        return count;
    }
}
