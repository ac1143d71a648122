using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>
/// Media on the first pair valid both ways before nomination (RFC 8445 §12.1, as libwebrtc does): the controlled side —
/// the DTLS client in a ConnectyCube call — need not wait for the controlling side's USE-CANDIDATE check, which on a lossy
/// path costs a round trip plus retransmissions.
/// </summary>
public sealed class IceEarlySelectionTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task Both_sides_use_the_first_pair_valid_both_ways_while_every_nomination_is_lost_and_complete_once_one_arrives()
    {
        await using var net = new FakeIceNetwork();
        var dropNominations = true;
        var nominationsDropped = 0;
        net.Network.DropWhen = (_, _, data) =>
        {
            var drop = Volatile.Read(ref dropNominations) && StunMessage.TryParse(data.Span, out var message, out _) && message.HasUseCandidate();
            if (drop)
            {
                Interlocked.Increment(ref nominationsDropped);
            }

            return drop;
        };
        net.Peers.Trickle();
        await net.Peers.ConnectAsync();

        await net.RunUntilAsync(() => net.A.SelectedPair is not null && net.B.SelectedPair is not null, TimeSpan.FromSeconds(2), Step);
        await net.RunForAsync(TimeSpan.FromSeconds(1), Step);

        Assert.True(Volatile.Read(ref nominationsDropped) >= 2, $"only {nominationsDropped} nominations were sent");
        Assert.Equal(IceConnectionState.Connected, net.B.State); // valid, not nominated: not Completed
        Assert.Equal(IceConnectionState.Connected, net.A.State);
        Assert.True(net.B.Send(new byte[] { 0x80, 0x60, 0, 1 }), "the controlled side has no send path before nomination");
        Assert.True(net.A.Send(new byte[] { 0x80, 0x60, 0, 2 }), "the controlling side has no send path before nomination");
        var before = net.B.SelectedPair!;

        Volatile.Write(ref dropNominations, false);
        await net.RunUntilAsync(() => net.A.State == IceConnectionState.Completed && net.B.State == IceConnectionState.Completed, TimeSpan.FromSeconds(5), Step);
        Assert.Equal(before.RemoteEndPoint, net.B.SelectedPair!.RemoteEndPoint);
    }

    [Fact]
    public async Task A_pair_whose_checks_succeed_only_one_way_carries_nothing()
    {
        // A cannot sign its checks so that B accepts them (wrong password for B), but answers B's checks: B's check
        // succeeds, yet the peer could never validate the pair, so B must not treat it as usable.
        await using var net = new FakeIceNetwork();
        net.Peers.Trickle();
        net.A.SetRemoteCredentials(net.B.LocalCredentials.Ufrag, "thisIsNotThePasswordAtAll");
        net.B.SetRemoteCredentials(net.A.LocalCredentials.Ufrag, net.A.LocalCredentials.Password);
        await net.Peers.ConnectAsync(exchangeCredentials: false);

        await net.RunForAsync(TimeSpan.FromSeconds(3), Step);

        Assert.Null(net.B.SelectedPair);
        Assert.False(net.B.Send(new byte[] { 0x80, 0x60, 0, 1 }));
        Assert.True(net.B.Counters.IntegrityFailures > 0);
    }
}
