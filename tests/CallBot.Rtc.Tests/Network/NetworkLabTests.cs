using System.Net;
using System.Net.Sockets;
using CallBot.TestSupport.Network;

namespace CallBot.Rtc.Tests.Network;

/// <summary>Namespaces + veth links: reachability, link down/up, address changes, child processes, cleanup.</summary>
public sealed class NetworkLabTests
{
    private const int EchoPort = 7000;
    private static readonly TimeSpan Recover = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(600);

    [Fact]
    public async Task Udp_echo_crosses_a_veth_between_two_namespaces()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var (link, probe, _) = await TwoHostsWithEchoAsync(lab);

        Assert.True(await probe.EchoWithinAsync(new IPEndPoint(link.B.Address, EchoPort), Recover));
        Assert.Matches(@"^cb-[0-9a-f]{6}-a$", lab.Namespaces[0].Name);
    }

    [Fact]
    public async Task Link_down_stops_the_echo_and_link_up_brings_it_back()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var (link, probe, _) = await TwoHostsWithEchoAsync(lab);
        var server = new IPEndPoint(link.B.Address, EchoPort);
        Assert.True(await probe.EchoWithinAsync(server, Recover));

        await lab.SetLinkDownAsync(link.B);
        Assert.False(await probe.TryEchoAsync(server, Silence));
        Assert.Contains("state DOWN", await lab.IpAsync(link.B.Namespace, "-o", "link", "show", link.B.InterfaceName), StringComparison.Ordinal);

        await lab.SetLinkUpAsync(link.B);
        Assert.True(await probe.EchoWithinAsync(server, Recover));
    }

    [Fact]
    public async Task Address_change_makes_the_old_address_unreachable_and_the_new_one_work()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var (link, probe, _) = await TwoHostsWithEchoAsync(lab);
        var oldAddress = link.B.Address;
        Assert.True(await probe.EchoWithinAsync(new IPEndPoint(oldAddress, EchoPort), Recover));

        var newAddress = link.HostAddress(7);
        await lab.ChangeAddressAsync(link.B, newAddress);

        Assert.Equal(newAddress, link.B.Address);
        Assert.False(await probe.TryEchoAsync(new IPEndPoint(oldAddress, EchoPort), Silence));
        Assert.True(await probe.EchoWithinAsync(new IPEndPoint(newAddress, EchoPort), Recover));

        var second = link.HostAddress(9);
        await lab.AddAddressAsync(link.B, second);
        Assert.True(await probe.EchoWithinAsync(new IPEndPoint(second, EchoPort), Recover));
        Assert.True(await probe.EchoWithinAsync(new IPEndPoint(newAddress, EchoPort), Recover));
    }

    [Fact]
    public async Task A_link_to_the_current_namespace_carries_traffic_to_a_lab_namespace()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var ns = await lab.AddNamespaceAsync();
        var link = await lab.ConnectAsync(null, ns);
        Assert.InRange(link.Subnet, 128, 254);
        await using var echo = new UdpEchoServer(lab.BindUdp(ns, new IPEndPoint(link.B.Address, EchoPort)));
        using var here = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        here.Bind(new IPEndPoint(link.A.Address, 0));

        Assert.True(await new UdpEchoProbe(here).EchoWithinAsync(new IPEndPoint(link.B.Address, EchoPort), Recover));
    }

    [Fact]
    public async Task Child_process_runs_inside_the_namespace_with_output_captured()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var a = await lab.AddNamespaceAsync();
        var b = await lab.AddNamespaceAsync();
        var link = await lab.ConnectAsync(a, b);

        var process = lab.RunInNamespace(a, "ip", "-o", "-4", "addr", "show");
        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains($"{link.A.Address}/24", process.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain($"{link.B.Address}/24", process.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_kills_processes_and_deletes_namespaces_and_veths()
    {
        var lab = await NetworkLab.CreateAsync();
        var a = await lab.AddNamespaceAsync();
        var b = await lab.AddNamespaceAsync();
        await lab.ConnectAsync(a, b);
        var toCurrent = await lab.ConnectAsync(null, b);
        var sleeper = lab.RunInNamespace(a, "sleep", "600");
        var printer = lab.RunInNamespace(b, "sh", "-c", "echo ready; exec sleep 600");
        await printer.WaitForOutputAsync("ready", TimeSpan.FromSeconds(10));
        Assert.False(sleeper.HasExited);
        Assert.Contains(toCurrent.A.InterfaceName, await lab.IpAsync(null, "-o", "link", "show"), StringComparison.Ordinal);

        await lab.DisposeAsync();

        Assert.True(sleeper.HasExited);
        Assert.True(printer.HasExited);
        Assert.False(Directory.Exists($"/proc/{sleeper.Id}"), "the sleeper is gone, not just forgotten");
        Assert.False(Directory.Exists($"/proc/{printer.Id}"));
        var remaining = Directory.GetFiles("/run/netns").Select(Path.GetFileName).ToArray();
        Assert.DoesNotContain(a.Name, remaining);
        Assert.DoesNotContain(b.Name, remaining);
        Assert.False(Directory.Exists($"/sys/class/net/{toCurrent.A.InterfaceName}"), "the veth end in the current namespace goes with its peer");
    }

    [Fact]
    public async Task Stale_namespaces_are_those_older_than_an_hour()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var ns = await lab.AddNamespaceAsync();

        Assert.DoesNotContain(ns.Name, NetworkLab.FindStaleNamespaces(DateTime.UtcNow));
        Assert.Contains(ns.Name, NetworkLab.FindStaleNamespaces(DateTime.UtcNow.AddHours(2)));
    }

    private static async Task<(VethLink Link, UdpEchoProbe Probe, UdpEchoServer Echo)> TwoHostsWithEchoAsync(NetworkLab lab)
    {
        var a = await lab.AddNamespaceAsync();
        var b = await lab.AddNamespaceAsync();
        var link = await lab.ConnectAsync(a, b);
        var echo = new UdpEchoServer(lab.BindUdp(b, new IPEndPoint(IPAddress.Any, EchoPort)));
        var client = lab.BindUdp(a, new IPEndPoint(IPAddress.Any, 0));
        return (link, new UdpEchoProbe(client), echo);
    }
}
