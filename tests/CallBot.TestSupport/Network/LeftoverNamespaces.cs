namespace CallBot.TestSupport.Network;

/// <summary>
/// Deletes <c>cb-*</c> namespaces that crashed runs left behind. Only ones older than an hour go, so labs of test
/// runs happening right now (other processes share <c>/run/netns</c>) are never touched. Deleting a namespace also
/// destroys its veth ends and their peers.
/// </summary>
internal static class LeftoverNamespaces
{
    public const string Prefix = "cb-";
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    private const string NetnsDirectory = "/run/netns";

    public static IReadOnlyList<string> FindStale(DateTime utcNow)
    {
        var stale = new List<string>();
        if (!Directory.Exists(NetnsDirectory))
        {
            return stale;
        }

        foreach (var path in Directory.EnumerateFiles(NetnsDirectory, Prefix + "*"))
        {
            if (utcNow - File.GetLastWriteTimeUtc(path) > MaxAge)
            {
                stale.Add(Path.GetFileName(path));
            }
        }

        return stale;
    }

    public static async Task DeleteStaleAsync(string ipPath)
    {
        foreach (var name in FindStale(DateTime.UtcNow))
        {
            try
            {
                await IpTool.RunAsync(ipPath, null, ["netns", "delete", name]);
            }
            catch (NetworkLabException)
            {
                // Another process may have removed it first; a leftover that will not go is no reason to fail a test.
            }
        }
    }
}
