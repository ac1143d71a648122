namespace CallBot.TestSupport.Network;

/// <summary>
/// Hands out /24 subnets of 10.213.0.0/16 for veth links. A link between two lab namespaces is invisible to everyone
/// else, so those come from a per-lab counter (1..127). A link that has one end in the namespace this process runs in
/// must not collide with other labs in the same process or with addresses already there, so those come from 128..254,
/// shared by the process and checked against <c>ip -4 addr</c>.
/// </summary>
internal static class SubnetAllocator
{
    public const int FirstPrivate = 1;
    public const int LastPrivate = 127;
    private const int FirstShared = 128;
    private const int LastShared = 254;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> SharedInUse = [];

    public static async Task<int> TakeSharedAsync(string ipPath)
    {
        var existing = await IpTool.RunAsync(ipPath, null, ["-4", "-o", "addr", "show"]);
        lock (Gate)
        {
            int start = Random.Shared.Next(FirstShared, LastShared + 1);
            for (int i = 0; i <= LastShared - FirstShared; i++)
            {
                int subnet = FirstShared + ((start - FirstShared + i) % (LastShared - FirstShared + 1));
                if (!SharedInUse.Contains(subnet) && !existing.Contains($" 10.213.{subnet}.", StringComparison.Ordinal))
                {
                    SharedInUse.Add(subnet);
                    return subnet;
                }
            }
        }

        throw new NetworkLabException("no free 10.213.x.0/24 subnet left in the current namespace");
    }

    public static void ReleaseShared(int subnet)
    {
        lock (Gate)
        {
            SharedInUse.Remove(subnet);
        }
    }
}
