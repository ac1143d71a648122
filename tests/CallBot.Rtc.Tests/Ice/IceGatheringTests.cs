using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Stun;
using CallBot.Rtc.Transport;
using CallBot.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Rtc.Tests.Ice;

public class IceGatheringTests
{
    private static readonly IPAddress Lan = IPAddress.Parse("192.168.1.20");
    private static readonly IPAddress Server = IPAddress.Parse("198.51.100.1");
    private static readonly IPEndPoint Public = new(IPAddress.Parse("203.0.113.7"), 61000);

    [Fact]
    public async Task Server_reflexive_candidate_comes_from_the_stun_server_answer_then_end_of_candidates()
    {
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var server = new DatagramTransport(network.AddHost(Server));
        var serverSocket = server.Bind(new IPEndPoint(Server, 3478));
        server.StunPacketReceived = (datagram, source, socket) => AnswerAsNat(datagram, source, socket);

        var options = new IceOptions();
        options.StunServers.Add(new IPEndPoint(Server, 3478));
        await using var agent = new IceAgent(options, network.AddHost(Lan, IPAddress.Loopback), time);
        var gathered = new List<IceCandidate?>();
        agent.LocalCandidateGathered += gathered.Add;
        await agent.GatherAsync(TestContext.Current.CancellationToken).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await agent.FlushAsync();

        Assert.Equal(3, gathered.Count);
        var host = gathered[0]!;
        Assert.Equal(IceCandidateType.Host, host.Type);
        Assert.Equal("192.168.1.20", host.Address); // loopback left out: another address exists
        var srflx = gathered[1]!;
        Assert.Equal(IceCandidateType.ServerReflexive, srflx.Type);
        Assert.Equal("203.0.113.7", srflx.Address);
        Assert.Equal(61000, srflx.Port);
        Assert.Equal("192.168.1.20", srflx.RelatedAddress);
        Assert.Equal(host.Port, srflx.RelatedPort);
        Assert.True(srflx.Priority < host.Priority);
        Assert.Null(gathered[2]);
        _ = serverSocket;
    }

    [Fact]
    public async Task Silent_stun_server_gets_its_retransmissions_then_gathering_ends_without_srflx()
    {
        var network = new InMemoryNetwork();
        var time = new FakeTimeProvider();
        await using var server = new DatagramTransport(network.AddHost(Server));
        var serverSocket = server.Bind(new IPEndPoint(Server, 3478));
        var requests = new List<byte[]>();
        server.StunPacketReceived = (datagram, _, _) =>
        {
            lock (requests)
            {
                requests.Add(datagram.ToArray()); // heard, never answered
            }
        };
        var options = new IceOptions { StunServerTransmissions = 3 };
        options.StunServers.Add(new IPEndPoint(Server, 3478));
        await using var agent = new IceAgent(options, network.AddHost(Lan), time);
        var gathered = new List<IceCandidate?>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.LocalCandidateGathered += c =>
        {
            gathered.Add(c);
            if (c is null)
            {
                ended.TrySetResult();
            }
        };
        var gather = agent.GatherAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 100 && !gather.IsCompleted; i++)
        {
            await agent.FlushAsync();
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await gather.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await ended.Task.WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

        // Every transmission left before gathering ended, but the simulated network hands datagrams to the server on the
        // thread pool: under a loaded CI run the server had heard none of them yet when this read them.
        await Poll.UntilAsync(
            () =>
            {
                lock (requests)
                {
                    return requests.Count >= options.StunServerTransmissions;
                }
            },
            IcePeers.Timeout,
            "the silent server to hear the agent's transmissions",
            TestContext.Current.CancellationToken);
        byte[][] heard;
        lock (requests)
        {
            heard = [.. requests];
        }

        Assert.Equal(options.StunServerTransmissions, heard.Length); // Rc transmissions of one transaction, then it gave up
        Assert.All(heard, r => Assert.Equal(StunMessageType.BindingRequest, (ushort)((r[0] << 8) | r[1])));
        Assert.Single(heard.Select(r => Convert.ToHexString(r, 8, 12)).Distinct()); // a retransmission keeps its transaction id
        Assert.DoesNotContain(gathered, c => c?.Type == IceCandidateType.ServerReflexive);
        _ = serverSocket;
    }

    [Fact]
    public async Task Address_filter_and_loopback_rules_choose_host_candidates()
    {
        var network = new InMemoryNetwork();
        var options = new IceOptions { IncludeLoopback = true, AddressFilter = a => !a.Equals(Lan) };
        var v6 = IPAddress.Parse("2001:db8::20");
        await using var agent = new IceAgent(options, network.AddHost(Lan, IPAddress.Loopback, v6, IPAddress.Parse("fe80::1")));
        var gathered = new List<IceCandidate?>();
        agent.LocalCandidateGathered += gathered.Add;
        await agent.GatherAsync(TestContext.Current.CancellationToken).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);
        await agent.FlushAsync();

        var addresses = gathered.Where(c => c is not null).Select(c => c!.Address).ToList();
        Assert.Equal(["2001:db8::20", "127.0.0.1"], addresses); // IPv6 first, no link-local, LAN filtered out
        Assert.Null(gathered[^1]);
    }

    /// <summary>A STUN server behind which the client appears as <see cref="Public"/> (a NAT).</summary>
    private static void AnswerAsNat(ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        if (!StunMessage.TryParse(datagram, out var request, out _) || request.Class != StunClass.Request)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunWriter(buffer, StunMessageType.BindingSuccess, request.TransactionId);
        writer.AddXorMappedAddress(Public);
        writer.AddFingerprint();
        if (writer.TryComplete(out var length))
        {
            socket.TrySendTo(buffer[..length], source);
        }
    }
}
