using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>An ICE restart gathers host candidates from the interfaces as they are now (a new network, a changed address).</summary>
public class IceRestartGatheringTests
{
    private static readonly IPAddress Before = IPAddress.Parse("10.213.1.2");
    private static readonly IPAddress After = IPAddress.Parse("10.213.1.7");

    [Fact]
    public async Task Restart_after_an_address_change_emits_the_new_host_address_and_drops_the_old_one()
    {
        var network = new InMemoryNetwork();
        var addresses = new ChangingAddresses(network.AddHost(Before, After)) { Current = [Before] };
        await using var agent = new IceAgent(new IceOptions(), addresses, new FakeTimeProvider());
        var gathered = new List<IceCandidate?>();
        agent.LocalCandidateGathered += gathered.Add;
        await agent.GatherAsync(TestContext.Current.CancellationToken).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await agent.FlushAsync();
        var first = Assert.Single(gathered, c => c is not null)!;
        Assert.Equal(Before.ToString(), first.Address);

        gathered.Clear();
        addresses.Current = [After];
        agent.Restart();
        await agent.FlushAsync();

        var again = Assert.Single(gathered, c => c is not null)!;
        Assert.Equal(IceCandidateType.Host, again.Type);
        Assert.Equal(After.ToString(), again.Address);
        Assert.Equal(first.Port, again.Port); // the same wildcard-bound socket
        Assert.Null(gathered[^1]); // end-of-candidates again
    }

    [Fact]
    public async Task Restart_with_unchanged_interfaces_emits_the_same_candidates()
    {
        var network = new InMemoryNetwork();
        var addresses = new ChangingAddresses(network.AddHost(Before)) { Current = [Before] };
        await using var agent = new IceAgent(new IceOptions(), addresses, new FakeTimeProvider());
        var gathered = new List<IceCandidate?>();
        agent.LocalCandidateGathered += gathered.Add;
        await agent.GatherAsync(TestContext.Current.CancellationToken).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await agent.FlushAsync();
        var first = gathered.ToList();

        gathered.Clear();
        agent.Restart();
        await agent.FlushAsync();

        Assert.Equal(first.Select(c => c?.ToString()), gathered.Select(c => c?.ToString()));
    }

    private sealed class ChangingAddresses(IDatagramSocketFactory inner) : IDatagramSocketFactory
    {
        public IReadOnlyList<IPAddress> Current { get; set; } = [];

        public IDatagramSocket Bind(IPEndPoint localEndPoint) => inner.Bind(localEndPoint);

        public IReadOnlyList<IPAddress> GetHostAddresses() => Current;
    }
}
