using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Ice;
using CallBot.TestSupport;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>Two agents over real loopback UDP.</summary>
public class IceLoopbackTests
{
    public static TheoryData<string, IceRole, IceRole> Cases => new()
    {
        { "127.0.0.1", IceRole.Controlling, IceRole.Controlled },
        { "127.0.0.1", IceRole.Controlled, IceRole.Controlling },
        { "::1", IceRole.Controlling, IceRole.Controlled },
        { "::1", IceRole.Controlled, IceRole.Controlling },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Agents_connect_and_exchange_datagrams(string address, IceRole roleA, IceRole roleB)
    {
        var loopback = IPAddress.Parse(address);
        Assert.SkipUnless(Socket.OSSupportsIPv6 || loopback.AddressFamily == AddressFamily.InterNetwork, "no IPv6");
        await using var peers = IcePeers.OverLoopback(loopback, roleA, roleB);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.B.RtpPacketReceived = datagram => received.TrySetResult(datagram.ToArray());
        peers.Trickle();
        await peers.ConnectAsync();

        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Connected),
            peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(roleA, peers.A.Role);
        Assert.Equal(roleB, peers.B.Role);
        var pairA = peers.A.SelectedPair;
        Assert.NotNull(pairA);
        Assert.Equal(loopback, pairA.RemoteEndPoint.Address);
        Assert.Equal(IceCandidateType.Host, pairA.LocalType);
        Assert.Equal(IceCandidateType.Host, pairA.RemoteType);

        byte[] rtp = [0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
        Assert.True(peers.A.Send(rtp));
        Assert.Equal(rtp, await received.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken));

        // With end-of-candidates from both sides and nothing left to check, both reach Completed.
        await Task.WhenAll(
            peers.AStates.WaitForAsync(IceConnectionState.Completed),
            peers.BStates.WaitForAsync(IceConnectionState.Completed)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Send_on_the_selected_pair_allocates_nothing()
    {
        await using var peers = IcePeers.OverLoopback(IPAddress.Loopback, IceRole.Controlling, IceRole.Controlled);
        peers.Trickle();
        await peers.ConnectAsync();
        await peers.AStates.WaitForAsync(IceConnectionState.Connected).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        byte[] rtp = new byte[1200];
        rtp[0] = 0x80;
        Assert.True(peers.A.Send(rtp));

        const int Sends = 5000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sent = 0;
        for (var i = 0; i < Sends; i++)
        {
            sent += peers.A.Send(rtp) ? 1 : 0;
        }

        AllocationAssert.LessThanOneBytePerOperation(GC.GetAllocatedBytesForCurrentThread() - before, Sends, "sends on the selected pair");
        Assert.Equal(Sends, sent);
    }
}
