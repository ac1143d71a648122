using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Tests.PeerConnection;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

/// <summary>
/// File descriptors do not grow with connections in single-port mode: ICE agents connected pairwise inside this
/// process, each side of a pair on a different one of <see cref="Ports"/> shared ports (two connections of one shared
/// socket must not talk to the same remote address, see <see cref="SharedPortSocketFactory"/>).
/// The benchmark at scale: <c>scripts/bench/idle-connections.sh</c> (docs/performance.md).
/// </summary>
[Collection(ProcessWideMeasurements.Name)]
public sealed class SharedPortDensityTests(ITestOutputHelper output)
{
    private const int Ports = 8;

    [Fact]
    public async Task Sockets_stay_one_per_shared_port_however_many_connections_it_serves()
    {
        var before = CountSockets();
        var factories = new SharedPortSocketFactory[Ports];
        var pairs = new List<IcePeers>();
        try
        {
            for (var i = 0; i < Ports; i++)
            {
                factories[i] = new SharedPortSocketFactory();
            }

            // Every unordered pair of ports carries one connection pair: 28 pairs, 56 connections, 7 per port.
            var plan = new List<(int A, int B)>();
            for (var a = 0; a < Ports; a++)
            {
                for (var b = a + 1; b < Ports; b++)
                {
                    plan.Add((a, b));
                }
            }

            var half = plan.Count / 2;
            await ConnectAsync(factories, plan[..half], pairs);
            var atHalf = CountSockets() - before;
            await ConnectAsync(factories, plan[half..], pairs);
            var atFull = CountSockets() - before;

            output.WriteLine($"{2 * half} connections: {atHalf} sockets; {2 * plan.Count} connections: {atFull} sockets");
            Assert.Equal(Ports, atHalf);
            Assert.Equal(Ports, atFull);
            Assert.Equal(2 * plan.Count, factories.Sum(f => f.ConnectionCount));
        }
        finally
        {
            foreach (var peers in pairs)
            {
                await peers.DisposeAsync();
            }

            foreach (var factory in factories)
            {
                if (factory is not null)
                {
                    await factory.DisposeAsync();
                }
            }
        }

        Assert.Equal(before, CountSockets());
    }

    private static async Task ConnectAsync(SharedPortSocketFactory[] factories, List<(int A, int B)> plan, List<IcePeers> pairs)
    {
        var started = new List<IcePeers>();
        foreach (var (a, b) in plan)
        {
            var peers = await SharedPortAgents.ConnectAsync(factories[a], factories[b]);
            pairs.Add(peers);
            started.Add(peers);
        }

        foreach (var peers in started)
        {
            await SharedPortAgents.ConnectedAsync(peers);
            Assert.Equal(peers.A.SelectedPair!.LocalEndPoint.Port, peers.B.SelectedPair!.RemoteEndPoint.Port);
        }
    }

    private static int CountSockets() => ProcessWideMeasurements.CountSockets();
}
