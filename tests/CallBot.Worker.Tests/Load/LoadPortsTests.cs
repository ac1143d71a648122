using System.Net;
using System.Net.Sockets;
using CallBot.Worker.Load;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// The seating of <c>callbot load</c>'s single-port mode: a call's participants on distinct shared ports, each pair of
/// ports held by one call at a time, given back with the call; a bot's connections bind on its call's port.
/// </summary>
public sealed class LoadPortsTests
{
    private static readonly IPEndPoint AnyV4 = new(IPAddress.Any, 0);

    [Fact]
    public async Task Each_pair_of_ports_carries_one_call_until_it_ends_and_bots_bind_on_their_calls_ports()
    {
        await using var ports = new LoadPorts(3);
        var bots = Enumerable.Range(1, 8).ToDictionary(id => id, ports.SocketsOf);

        using var first = ports.TryAssign([1, 2]);
        using var second = ports.TryAssign([3, 4]);
        using var third = ports.TryAssign([5, 6]);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotNull(third);
        // 3 ports have 3 pairs, all held: a fourth call has no seating until one ends.
        Assert.Null(ports.TryAssign([7, 8]));

        var seated = new Dictionary<int, int>();
        foreach (var id in Enumerable.Range(1, 6))
        {
            using var socket = bots[id].Bind(AnyV4);
            seated[id] = socket.LocalEndPoint.Port;
        }

        Assert.Equal(3, seated.Values.Distinct().Count());
        var pairs = new[] { (1, 2), (3, 4), (5, 6) }.Select(c => (Math.Min(seated[c.Item1], seated[c.Item2]), Math.Max(seated[c.Item1], seated[c.Item2]))).ToList();
        Assert.All(pairs, p => Assert.NotEqual(p.Item1, p.Item2));
        Assert.Equal(3, pairs.Distinct().Count());

        first!.Dispose(); // the call ended: its pair and its bots' seats are free
        Assert.Throws<SocketException>(() => bots[1].Bind(AnyV4)); // between calls a bot has no port
        using var fourth = ports.TryAssign([7, 8]);
        Assert.NotNull(fourth);
        using var seven = bots[7].Bind(AnyV4);
        using var eight = bots[8].Bind(AnyV4);
        Assert.Equal((Math.Min(seated[1], seated[2]), Math.Max(seated[1], seated[2])), (Math.Min(seven.LocalEndPoint.Port, eight.LocalEndPoint.Port), Math.Max(seven.LocalEndPoint.Port, eight.LocalEndPoint.Port)));
        Assert.Equal(3, ports.LocalEndPoints.Count);
    }

    [Fact]
    public async Task A_group_call_needs_a_clique_of_free_pairs()
    {
        await using var ports = new LoadPorts(4);
        foreach (var id in Enumerable.Range(1, 6))
        {
            ports.SocketsOf(id);
        }

        using var group = ports.TryAssign([1, 2, 3]);
        Assert.NotNull(group);
        // Any two triangles of 4 ports share a pair: a second group of 3 waits, a pair on the free edges still fits.
        Assert.Null(ports.TryAssign([4, 5, 6]));
        using var pair = ports.TryAssign([4, 5]);
        Assert.NotNull(pair);
    }
}
