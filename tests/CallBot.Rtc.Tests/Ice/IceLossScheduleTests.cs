using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>Connectivity checks on a lossy link, on fake time so the schedule, not the machine, decides the timing.</summary>
public sealed class IceLossScheduleTests
{
    [Fact]
    public async Task Two_hundred_sessions_at_ten_percent_loss_each_way_all_connect_within_the_check_schedule()
    {
        const int Sessions = 200;
        var options = new IceOptions();
        var network = new InMemoryNetwork(seed: 8445) { LossRate = 0.10 };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var pending = new List<(IcePeers Peers, int Index)>();
        for (var i = 0; i < Sessions; i++)
        {
            var a = new IceAgent(new IceOptions { Role = IceRole.Controlling, AllowPrivateRemoteCandidates = true }, network.AddHost(IPAddress.Parse($"10.1.{i / 200}.{(i % 200) + 1}")), time);
            var b = new IceAgent(new IceOptions { Role = IceRole.Controlled, AllowPrivateRemoteCandidates = true }, network.AddHost(IPAddress.Parse($"10.2.{i / 200}.{(i % 200) + 1}")), time);
            var peers = new IcePeers(a, b);
            peers.Trickle();
            await peers.ConnectAsync();
            pending.Add((peers, i));
        }

        var start = time.GetUtcNow();
        var connectedAfter = new List<TimeSpan>();
        var step = TimeSpan.FromMilliseconds(10);
        while (pending.Count > 0)
        {
            foreach (var (peers, _) in pending)
            {
                await peers.A.FlushAsync().WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
                await peers.B.FlushAsync().WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
            }

            await network.WhenIdleAsync().WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
            for (var i = pending.Count - 1; i >= 0; i--)
            {
                var peers = pending[i].Peers;
                if (peers.A.SelectedPair is not null && peers.B.SelectedPair is not null)
                {
                    connectedAfter.Add(time.GetUtcNow() - start);
                    pending.RemoveAt(i);
                    await peers.DisposeAsync();
                }
            }

            Assert.True(time.GetUtcNow() - start < options.CheckingTimeout, $"{pending.Count} sessions still checking after {options.CheckingTimeout}");
            time.Advance(step);
        }

        // Lossless, a session connects within a few pacing intervals. Connecting takes two exchanges (the controlling
        // side's check, then its nomination), each failing with p = 1 − 0.9² = 0.19 and retried after the check RTO,
        // doubling. A third consecutive failure of one exchange has p ≈ 0.007, so 95 % of sessions connect within
        // RTO · (1 + 2) plus a few pacing intervals and ticks.
        var sorted = connectedAfter.Order().ToList();
        var p95 = sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1];
        var bound = (options.CheckRto * 3) + (options.CheckInterval * 4) + (step * 4);
        Assert.Equal(Sessions, connectedAfter.Count);
        Assert.True(p95 <= bound, $"p95 {p95.TotalMilliseconds:0} ms exceeds the schedule's {bound.TotalMilliseconds:0} ms");
        var sent = network.Delivered + network.Dropped;
        Assert.True(network.Dropped >= sent * 0.05, $"the network dropped only {network.Dropped} of {sent} datagrams");
    }

    [Fact]
    public async Task A_check_from_the_peer_on_a_pair_in_progress_triggers_a_new_check_instead_of_waiting_for_the_rto()
    {
        await using var net = new FakeIceNetwork();
        var responsesDropped = 0;
        net.Network.DropWhen = (from, _, data) =>
        {
            // The first Binding success response B sends (to A's first check) is lost.
            var isSuccess = data.Length >= 2 && data.Span[0] == 0x01 && data.Span[1] == 0x01;
            return from.Address.Equals(FakeIceNetwork.AddressB) && isSuccess && Interlocked.Increment(ref responsesDropped) == 1;
        };
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        var spent = await net.RunUntilAsync(() => net.A.SelectedPair is not null, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));

        // B's own check reaches A while A's check is in progress: A checks again at once (RFC 8445 §7.3.1.4) instead of
        // retransmitting after the 500 ms RTO.
        Assert.True(Volatile.Read(ref responsesDropped) >= 1, "B never answered A");
        Assert.True(spent < new IceOptions().CheckRto, $"connected after {spent.TotalMilliseconds:0} ms");
    }
}
