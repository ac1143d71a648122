using System.Net;
using System.Net.Sockets;
using CallBot.TestSupport.Network;

namespace CallBot.Rtc.Tests.Network;

/// <summary>Sockets made through setns on a dedicated thread live in the lab namespace; the caller's thread never moves.</summary>
public sealed class NamespaceSocketTests
{
    [Fact]
    public async Task Socket_created_inside_keeps_its_namespace_after_the_thread_switches_back()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var a = await lab.AddNamespaceAsync();
        var b = await lab.AddNamespaceAsync();
        var link = await lab.ConnectAsync(a, b);
        string home = NetworkLab.CurrentNamespaceId();

        string inside = NetworkLab.RunInside(a, NetworkLab.CurrentNamespaceId);

        Assert.NotEqual(home, inside);
        Assert.Equal(home, NetworkLab.CurrentNamespaceId());

        // 10.213.x.1 exists only in namespace a: binding it here fails, binding it through the lab works.
        using (var here = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            var error = Assert.Throws<SocketException>(() => here.Bind(new IPEndPoint(link.A.Address, 0)));
            Assert.Equal(SocketError.AddressNotAvailable, error.SocketErrorCode);
        }

        var inA = lab.BindUdp(a, new IPEndPoint(link.A.Address, 0));
        var inB = lab.BindUdp(b, new IPEndPoint(link.B.Address, 0));

        // Use them from pool threads (after the namespace threads are gone): traffic still flows over the veth.
        var payload = "across the veth"u8.ToArray();
        await Task.Run(async () => await inA.SendToAsync(payload, SocketFlags.None, inB.LocalEndPoint!));
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await inB.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);

        Assert.Equal(payload, buffer[..received.ReceivedBytes]);
        Assert.Equal(new IPEndPoint(link.A.Address, ((IPEndPoint)inA.LocalEndPoint!).Port), received.RemoteEndPoint);
    }

    [Fact]
    public async Task Loopback_of_a_lab_namespace_is_its_own()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var a = await lab.AddNamespaceAsync();
        using var here = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        here.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)here.LocalEndPoint!).Port;

        // The same loopback port is free inside a: it is another stack.
        var inside = lab.BindUdp(a, new IPEndPoint(IPAddress.Loopback, port));

        Assert.Equal(port, ((IPEndPoint)inside.LocalEndPoint!).Port);
    }

    [Fact]
    public async Task Errors_in_the_namespace_thread_reach_the_caller()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var a = await lab.AddNamespaceAsync();

        var error = Assert.Throws<InvalidOperationException>(() => NetworkLab.RunInside<int>(a, () => throw new InvalidOperationException("boom")));
        Assert.Equal("boom", error.Message);
        Assert.Throws<NetworkLabException>(() => NetworkLab.RunInside(new LabNamespace("cb-missing-x"), () => 0));
    }
}
