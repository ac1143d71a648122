namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// Tests that measure the whole process (sockets, threads, managed memory, allocated bytes) run alone, after the
/// parallel tests, so other test classes cannot disturb the counts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMeasurements
{
    public const string Name = "Process-wide measurements";

    /// <summary>Open sockets of this process (entries of <c>/proc/self/fd</c> that are sockets).</summary>
    public static int CountSockets()
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
            }
        }

        return count;
    }
}

