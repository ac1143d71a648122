using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// An ICE restart that gathers while the interface is down has no host candidate on it; when the interface comes back the
/// generation still checking finds the address again, trickles it and connects, instead of waiting for the next restart.
/// </summary>
public sealed class IceHostRefreshTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_restart_gathered_while_the_interface_was_down_connects_soon_after_it_comes_back()
    {
        var hostB = (SwitchableHost?)null;
        await using var net = new FakeIceNetwork(hostB: inner => hostB = new SwitchableHost(inner));
        var gatheredByB = new List<string>();
        net.B.LocalCandidateGathered += c =>
        {
            if (c is not null)
            {
                lock (gatheredByB)
                {
                    gatheredByB.Add(c.Address);
                }
            }
        };
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(5), Step);

        // B's interface goes down and both restart meanwhile: B gathers no host candidate for the new generation.
        net.Network.LinkDown = true;
        hostB!.Up = false;
        var newA = net.A.Restart();
        var newB = net.B.Restart();
        net.A.SetRemoteCredentials(newB.Ufrag, newB.Password);
        net.B.SetRemoteCredentials(newA.Ufrag, newA.Password);
        await net.RunForAsync(TimeSpan.FromSeconds(2), Step);
        Assert.Equal(0, net.B.SelectedPair!.Generation);

        // The interface comes back: within one refresh interval B gathers its address again and the generation connects.
        lock (gatheredByB)
        {
            gatheredByB.Clear();
        }

        net.Network.LinkDown = false;
        hostB.Up = true;
        var spent = await net.RunUntilAsync(() => net.A.SelectedPair?.Generation == 1 && net.B.SelectedPair?.Generation == 1, TimeSpan.FromSeconds(10), Step);

        Assert.True(spent <= TimeSpan.FromSeconds(1.5), $"connected {spent.TotalMilliseconds:0} ms after the interface came back");
        lock (gatheredByB)
        {
            Assert.Contains(FakeIceNetwork.AddressB.ToString(), gatheredByB);
        }
    }

    /// <summary>A host whose interface address can be taken away (down) and given back (up); sockets stay bound.</summary>
    private sealed class SwitchableHost(IDatagramSocketFactory inner) : IDatagramSocketFactory
    {
        public volatile bool Up = true;

        public IDatagramSocket Bind(IPEndPoint localEndPoint) => inner.Bind(localEndPoint);

        public IReadOnlyList<IPAddress> GetHostAddresses() => Up ? inner.GetHostAddresses() : [];
    }
}
