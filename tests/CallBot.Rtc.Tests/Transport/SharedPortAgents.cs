using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Tests.Ice;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Transport;

/// <summary>ICE agents on shared ports over real IPv4 loopback UDP, wired as signaling would.</summary>
internal static class SharedPortAgents
{
    public static IceAgent Agent(IDatagramSocketFactory sockets, IceRole role) => new(
        new IceOptions
        {
            Role = role,
            IncludeLoopback = true,
            AllowLoopbackRemoteCandidates = true,
            AddressFilter = address => address.Equals(IPAddress.Loopback),
        },
        sockets);

    /// <summary>Two agents, each on its own factory's shared port, trickling to each other and started.</summary>
    public static async Task<IcePeers> ConnectAsync(IDatagramSocketFactory a, IDatagramSocketFactory b)
    {
        var peers = new IcePeers(Agent(a, IceRole.Controlling), Agent(b, IceRole.Controlled));
        peers.Trickle();
        await peers.ConnectAsync();
        return peers;
    }

    public static Task ConnectedAsync(IcePeers peers) => Task.WhenAll(
        peers.AStates.WaitForAsync(IceConnectionState.Connected),
        peers.BStates.WaitForAsync(IceConnectionState.Connected)).WaitAsync(IcePeers.Timeout, TestContext.Current.CancellationToken);

    /// <summary>An RTP-shaped datagram whose payload names <paramref name="tag"/>.</summary>
    public static byte[] Rtp(byte tag) => [0x80, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, tag, tag, tag];
}

/// <summary>A connected pair: <see cref="Peers"/>.A on <see cref="Shared"/>, .B on a shared port of its own.</summary>
internal sealed class SharedPortPair : IAsyncDisposable
{
    private SharedPortPair(SharedPortSocketFactory shared, SharedPortSocketFactory peer, IcePeers peers)
    {
        Shared = shared;
        Peer = peer;
        Peers = peers;
    }

    public SharedPortSocketFactory Shared { get; }

    public SharedPortSocketFactory Peer { get; }

    public IcePeers Peers { get; }

    /// <summary>Where a sender on loopback reaches <see cref="Shared"/>.</summary>
    public IPEndPoint SharedEndPoint => new(IPAddress.Loopback, Assert.Single(Shared.LocalEndPoints).Port);

    public static async Task<SharedPortPair> ConnectAsync(SharedPortOptions? options = null)
    {
        var shared = new SharedPortSocketFactory(options);
        var peer = new SharedPortSocketFactory();
        var peers = await SharedPortAgents.ConnectAsync(shared, peer);
        var pair = new SharedPortPair(shared, peer, peers);
        await SharedPortAgents.ConnectedAsync(peers);
        return pair;
    }

    public async ValueTask DisposeAsync()
    {
        await Peers.DisposeAsync();
        await Shared.DisposeAsync();
        await Peer.DisposeAsync();
    }
}
