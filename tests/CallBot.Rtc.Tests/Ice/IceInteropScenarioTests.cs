using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>Scenarios browsers produce, over real loopback UDP.</summary>
public class IceInteropScenarioTests
{
    [Theory]
    [InlineData(IceRole.Controlling)]
    [InlineData(IceRole.Controlled)]
    public async Task Role_conflict_is_repaired_and_agents_connect(IceRole both)
    {
        await using var peers = IcePeers.OverLoopback(IPAddress.Loopback, both, both);
        peers.Trickle();
        await peers.ConnectAsync();

        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

        Assert.NotEqual(peers.A.Role, peers.B.Role);
        Assert.True(peers.A.Counters[IceCounter.RoleConflicts] + peers.B.Counters[IceCounter.RoleConflicts] > 0);
    }

    [Theory]
    [InlineData(IceRole.Controlling, IceRole.Controlled)]
    [InlineData(IceRole.Controlled, IceRole.Controlling)]
    public async Task Remote_with_only_mdns_candidates_connects_through_peer_reflexive_learning(IceRole roleA, IceRole roleB)
    {
        await using var peers = IcePeers.OverLoopback(IPAddress.Loopback, roleA, roleB);

        // A behaves like Chrome: its host candidates reach B only as "<uuid>.local" names.
        peers.Trickle(rewriteAtoB: c => c with { Address = "9b36f7c1-1f2e-4a57-8f0e-6a1c3f1b7d2e.local" });
        await peers.ConnectAsync();

        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(IceCandidateType.PeerReflexive, peers.B.SelectedPair!.RemoteType);
        // A's trickled names may reach B after the checks already connected it; they are kept aside, never paired.
        await WaitUntilAsync(() => peers.B.UnresolvedRemoteCandidateCount > 0);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.A.RtpPacketReceived = _ => received.TrySetResult();
        Assert.True(peers.B.Send([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]));
        await received.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Garbage_datagrams_are_counted_and_ignored()
    {
        await using var peers = IcePeers.OverLoopback(IPAddress.Loopback, IceRole.Controlling, IceRole.Controlled);
        var rtpAtB = 0;
        var dtlsAtB = 0;
        peers.B.RtpPacketReceived = _ => Interlocked.Increment(ref rtpAtB);
        peers.B.DtlsPacketReceived = _ => Interlocked.Increment(ref dtlsAtB);
        peers.Trickle();
        await peers.ConnectAsync();
        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

        var target = peers.A.SelectedPair!.RemoteEndPoint; // B's socket
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(42);
        const int PerKind = 50;
        for (var i = 0; i < PerKind; i++)
        {
            var junk = new byte[random.Next(1, 300)];
            random.NextBytes(junk);
            junk[0] = (byte)random.Next(192, 256); // outside every RFC 7983 range
            attacker.SendTo(junk, target);

            var fakeStun = new byte[random.Next(20, 120)];
            random.NextBytes(fakeStun);
            fakeStun[0] = 0x00; // STUN range but not a valid message
            attacker.SendTo(fakeStun, target);

            attacker.SendTo(SignedRequest(peers.B.LocalCredentials.Ufrag, "wrong-password-wrong-pwd"), target);
        }

        // DTLS and RTP from the attacker's address never reach the handlers (it never passed a STUN check).
        attacker.SendTo(new byte[] { 22, 254, 253, 0, 0 }, target);
        attacker.SendTo(new byte[] { 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, target);

        // A marker after the garbage, from A (verified): loopback delivers into B's socket in send order, so once it
        // arrives every earlier datagram has been handled.
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.B.DtlsPacketReceived = _ => marker.TrySetResult();
        Assert.True(peers.A.Send(new byte[] { 22, 254, 253, 0, 0 }));
        await marker.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await peers.B.FlushAsync();

        Assert.Equal(2, peers.B.Counters.DatagramsFromUnverifiedSource);
        Assert.True(peers.B.TransportCounters.Dropped >= PerKind);
        Assert.True(peers.B.Counters.StunMalformed >= PerKind);
        Assert.True(peers.B.Counters.IntegrityFailures >= PerKind);
        Assert.Equal(0, rtpAtB);
        Assert.Equal(0, dtlsAtB);

        // Still connected and working.
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.B.RtpPacketReceived = _ => received.TrySetResult();
        Assert.True(peers.A.Send([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]));
        await received.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        Assert.Contains(peers.B.State, new[] { IceConnectionState.Connected, IceConnectionState.Completed });
    }

    private static byte[] SignedRequest(string ufrag, string password)
    {
        var buffer = new byte[256];
        var writer = new StunWriter(buffer, StunMessageType.BindingRequest, Guid.NewGuid().ToByteArray().AsSpan(0, 12));
        writer.AddUsername(ufrag + ":evil");
        writer.AddIceControlling(1);
        writer.AddMessageIntegrity(StunIntegrity.ShortTermKey(password));
        writer.AddFingerprint();
        Assert.True(writer.TryComplete(out var length));
        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>Awaits a counter that raises no event, bounded by the test timeout.</summary>
    private static Task WaitUntilAsync(Func<bool> condition) =>
        CallBot.TestSupport.Poll.UntilAsync(condition, IcePeers.Timeout, "ICE interop condition", TestContext.Current.CancellationToken);
}
