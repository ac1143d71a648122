using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>Timing behaviour on fake time over the in-memory network.</summary>
public class IceFakeTimeTests
{
    private static readonly byte[] Rtp = [0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 7, 42];

    [Fact]
    public async Task Consent_loss_goes_disconnected_then_recovers_then_fails_and_restart_recovers()
    {
        await using var net = new FakeIceNetwork();
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.State == IceConnectionState.Completed && net.B.State == IceConnectionState.Completed, TimeSpan.FromSeconds(5));

        // Link down: no consent answers for 5 s → Disconnected (both sides check consent).
        net.Network.LinkDown = true;
        var toDisconnected = await net.RunUntilAsync(() => net.A.State == IceConnectionState.Disconnected, TimeSpan.FromSeconds(20));
        Assert.InRange(toDisconnected, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8));
        await net.RunUntilAsync(() => net.B.State == IceConnectionState.Disconnected, TimeSpan.FromSeconds(5));

        // Link back: the next consent answer brings Connected back.
        net.Network.LinkDown = false;
        var toConnected = await net.RunUntilAsync(() => net.A.State == IceConnectionState.Connected && net.B.State == IceConnectionState.Connected, TimeSpan.FromSeconds(10));
        Assert.InRange(toConnected, TimeSpan.Zero, TimeSpan.FromSeconds(3));

        // Down for good: Disconnected, then Failed 30 s after the last answer; sending stops.
        net.Network.LinkDown = true;
        var toFailed = await net.RunUntilAsync(() => net.A.State == IceConnectionState.Failed, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.InRange(toFailed, TimeSpan.FromSeconds(28), TimeSpan.FromSeconds(31));
        Assert.Equal(
            [IceConnectionState.Checking, IceConnectionState.Connected, IceConnectionState.Completed, IceConnectionState.Disconnected,
             IceConnectionState.Connected, IceConnectionState.Disconnected, IceConnectionState.Failed],
            net.Peers.AStates.States);
        Assert.False(net.A.Send(Rtp));
        Assert.True(net.A.Counters.SendDroppedNoPair > 0);

        // An ICE restart with the link back recovers from Failed.
        await net.RunUntilAsync(() => net.B.State == IceConnectionState.Failed, TimeSpan.FromSeconds(5));
        net.Network.LinkDown = false;
        var newA = net.A.Restart();
        var newB = net.B.Restart();
        net.A.SetRemoteCredentials(newB.Ufrag, newB.Password);
        net.B.SetRemoteCredentials(newA.Ufrag, newA.Password);
        await net.RunUntilAsync(() => net.A.State is IceConnectionState.Connected or IceConnectionState.Completed
            && net.B.State is IceConnectionState.Connected or IceConnectionState.Completed, TimeSpan.FromSeconds(10));
        Assert.Equal(1, net.A.SelectedPair!.Generation);
        Assert.True(net.A.Send(Rtp));
    }

    [Fact]
    public async Task Wrong_remote_password_never_connects_and_integrity_failures_are_counted()
    {
        await using var net = new FakeIceNetwork(IceRole.Controlling, IceRole.Controlled);
        net.Peers.Trickle();
        net.A.SetRemoteCredentials(net.B.LocalCredentials.Ufrag, "thisIsNotThePasswordAtAll");
        net.B.SetRemoteCredentials(net.A.LocalCredentials.Ufrag, net.A.LocalCredentials.Password);
        await net.Peers.ConnectAsync(exchangeCredentials: false);

        await net.RunUntilAsync(() => net.A.State == IceConnectionState.Failed, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(100));
        await net.RunForAsync(TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250));

        Assert.DoesNotContain(IceConnectionState.Connected, net.Peers.AStates.States);
        Assert.DoesNotContain(IceConnectionState.Connected, net.Peers.BStates.States);
        Assert.True(net.B.Counters.IntegrityFailures > 0);
        Assert.Null(net.A.SelectedPair);
        Assert.Null(net.B.SelectedPair);
    }

    [Fact]
    public async Task Ice_restart_keeps_media_flowing_on_the_old_pair_until_the_new_one_is_selected()
    {
        await using var net = new FakeIceNetwork();
        var received = 0;
        net.B.RtpPacketReceived = _ => Interlocked.Increment(ref received);
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(5));

        var sent = 0;
        void SendMedia()
        {
            if (net.A.Send(Rtp))
            {
                sent++;
            }
        }

        await net.RunForAsync(TimeSpan.FromSeconds(1), eachStep: SendMedia);
        var newA = net.A.Restart();
        var newB = net.B.Restart();

        // Signaling of the new credentials takes a while; media keeps flowing meanwhile.
        await net.RunForAsync(TimeSpan.FromSeconds(2), eachStep: SendMedia);
        Assert.Equal(0, net.A.SelectedPair!.Generation);
        net.A.SetRemoteCredentials(newB.Ufrag, newB.Password);
        net.B.SetRemoteCredentials(newA.Ufrag, newA.Password);
        await net.RunUntilAsync(() => net.A.SelectedPair!.Generation == 1 && net.B.SelectedPair!.Generation == 1, TimeSpan.FromSeconds(10), eachStep: SendMedia);
        await net.RunForAsync(TimeSpan.FromSeconds(1), eachStep: SendMedia);

        Assert.True(sent > 60, $"sent {sent}");
        Assert.Equal(sent, Volatile.Read(ref received));
        Assert.Equal(0, net.A.Counters.SendDroppedNoPair);
        Assert.DoesNotContain(IceConnectionState.Disconnected, net.Peers.AStates.States);
        Assert.DoesNotContain(IceConnectionState.Failed, net.Peers.AStates.States);
    }

    [Fact]
    public async Task Dispose_stops_every_loop_timer_and_socket()
    {
        var net = new FakeIceNetwork();
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.State == IceConnectionState.Completed, TimeSpan.FromSeconds(5));
        Assert.False(net.A.AllBackgroundWorkCompleted);

        await net.DisposeAsync();

        Assert.True(net.A.AllBackgroundWorkCompleted);
        Assert.True(net.B.AllBackgroundWorkCompleted);
        Assert.Equal(IceConnectionState.Closed, net.A.State);
        Assert.Equal(IceConnectionState.Closed, net.Peers.AStates.States[^1]);
        Assert.False(net.A.Send(Rtp));
        await net.A.DisposeAsync(); // idempotent
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.4)]
    public async Task Lossy_link_still_connects(double lossRate)
    {
        await using var net = new FakeIceNetwork();
        net.Network.LossRate = lossRate;
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();
        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(20));
        Assert.True(net.Network.Dropped > 0);
    }
}
