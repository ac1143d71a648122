using System.Net;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

public class InMemoryNetworkTests
{
    private static readonly IPAddress HostA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress HostB = IPAddress.Parse("10.0.0.2");

    [Fact]
    public async Task Delivers_with_source_address_and_honours_link_down_loss_and_filter()
    {
        var network = new InMemoryNetwork(seed: 1);
        await using var a = new DatagramTransport(network.AddHost(HostA));
        await using var b = new DatagramTransport(network.AddHost(HostB));
        var socketA = a.Bind(new IPEndPoint(IPAddress.Any, 0));
        var socketB = b.Bind(new IPEndPoint(IPAddress.Any, 5000));
        var received = new List<byte>();
        IPEndPoint? source = null;
        b.RtpPacketReceived = d => received.Add(d[1]);
        b.StunPacketReceived = (_, s, sock) => source = (IPEndPoint)sock.LocalEndPoint.Create(s);
        var toB = new IPEndPoint(HostB, 5000).Serialize();

        Assert.True(socketA.TrySendTo([0x80, 1], toB));
        Assert.True(socketA.TrySendTo([0x00, 1, 0, 0], toB));
        await network.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([1], received);
        Assert.Equal(new IPEndPoint(HostA, socketA.LocalEndPoint.Port), source);

        network.LinkDown = true;
        socketA.TrySendTo([0x80, 2], toB);
        network.LinkDown = false;
        network.DropWhen = (_, _, bytes) => bytes.Span[1] == 3;
        socketA.TrySendTo([0x80, 3], toB);
        network.DropWhen = null;
        socketA.TrySendTo([0x80, 4], toB);
        socketA.TrySendTo([0x80, 5], new IPEndPoint(HostB, 5001).Serialize()); // nobody bound there
        await network.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([1, 4], received);
        Assert.Equal(3, network.Dropped);

        network.LossRate = 0.5;
        for (var i = 0; i < 200; i++)
        {
            socketA.TrySendTo([0x80, 9], toB);
        }

        await network.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.InRange(received.Count - 2, 60, 140);
        _ = socketB;
    }

    [Fact]
    public void Binding_an_address_the_host_lacks_fails()
    {
        var network = new InMemoryNetwork();
        var host = network.AddHost(HostA);
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => host.Bind(new IPEndPoint(HostB, 0)));
        using var first = host.Bind(new IPEndPoint(HostA, 6000));
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => host.Bind(new IPEndPoint(IPAddress.Any, 6000)));
    }
}
