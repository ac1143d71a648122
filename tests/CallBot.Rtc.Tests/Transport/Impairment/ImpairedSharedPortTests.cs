using System.Collections.Concurrent;
using System.Net;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Transport.Impairment;

/// <summary>
/// An impaired connection on a shared port (a load bot of an impaired group in single-port mode): impaired on its own,
/// still routed by its ufrag, and its place on the port given back when it closes. Real loopback UDP.
/// </summary>
public sealed class ImpairedSharedPortTests
{
    [Fact]
    public async Task A_connection_impaired_over_a_shared_port_connects_by_ufrag_loses_and_delays_what_it_receives_and_frees_its_place()
    {
        await using var shared = new SharedPortSocketFactory();
        await using var peer = new SharedPortSocketFactory();
        var downlink = new LinkImpairment { LossRate = 0.3, Delay = TimeSpan.FromMilliseconds(20) };
        var bound = new BoundSockets(new ImpairedSocketFactory(shared, new ImpairmentProfile(LinkImpairment.None, downlink), seed: 7));
        await using var pair = await SharedPortAgents.ConnectAsync(bound, peer);
        var atA = new ConcurrentQueue<byte>();
        var atB = new ConcurrentQueue<byte>();
        pair.A.RtpPacketReceived = d => atA.Enqueue(d[12]);
        pair.B.RtpPacketReceived = d => atB.Enqueue(d[12]);
        await SharedPortAgents.ConnectedAsync(pair);

        var port = Assert.Single(shared.LocalEndPoints).Port;
        Assert.Equal(port, pair.A.SelectedPair!.LocalEndPoint.Port);
        Assert.All(bound.Sockets, s => Assert.IsType<ImpairedSharedDatagramSocket>(s));
        var socket = (ImpairedSharedDatagramSocket)Assert.Single(bound.Sockets, s => s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        Assert.True(shared.Counters[SharedPortCounter.RoutedByUfrag] > 0, "the peer's checks named A's ufrag, routed through the impaired socket");

        for (var i = 0; i < 100; i++)
        {
            Assert.True(pair.B.Send(SharedPortAgents.Rtp((byte)i)));
            Assert.True(pair.A.Send(SharedPortAgents.Rtp((byte)i)));
        }

        await Poll.UntilAsync(
            () => (A: atA.Count, B: atB.Count), c => c.A >= 40 && c.B == 100, IcePeers.Timeout, c => $"A got {c.A} of 100, B got {c.B}", cancellationToken: TestContext.Current.CancellationToken);
        var counters = socket.Impaired.DownlinkCounters;
        Assert.True(counters[ImpairmentCounter.DroppedLoss] > 10, $"{counters[ImpairmentCounter.DroppedLoss]} lost");
        Assert.True(counters[ImpairmentCounter.Delayed] >= 40);
        Assert.Equal(0, socket.Impaired.UplinkCounters[ImpairmentCounter.DroppedLoss]); // A's sends: clean uplink
        Assert.Equal(0, shared.Counters[SharedPortCounter.AddressConflicts]);

        await pair.A.DisposeAsync();
        Assert.Equal(0, shared.ConnectionCount);
    }

    /// <summary>Keeps what the inner factory bound, so the test can read the impaired socket's counters.</summary>
    private sealed class BoundSockets(IDatagramSocketFactory inner) : IDatagramSocketFactory
    {
        public ConcurrentBag<IDatagramSocket> Sockets { get; } = [];

        public IDatagramSocket Bind(IPEndPoint localEndPoint)
        {
            var socket = inner.Bind(localEndPoint);
            Sockets.Add(socket);
            return socket;
        }

        public IReadOnlyList<IPAddress> GetHostAddresses() => inner.GetHostAddresses();
    }
}
