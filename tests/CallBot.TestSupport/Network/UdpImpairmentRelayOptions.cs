using System.Net;

namespace CallBot.TestSupport.Network;

/// <summary>How a relay side decides who its peer is.</summary>
public enum RelayPeerLearning
{
    /// <summary>The first sender on a side's port becomes its peer; datagrams from anyone else are dropped and counted.</summary>
    FirstSender,

    /// <summary>Whoever sent last is the peer (follows a peer whose address changes, like a NAT rebinding).</summary>
    LatestSender,
}

public sealed class UdpImpairmentRelayOptions
{
    /// <summary>Address both relay ports bind to (ignored when sockets are passed in).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Port side A's peer sends to; 0 = any free port.</summary>
    public int PortA { get; init; }

    public int PortB { get; init; }

    /// <summary>Fixed peer of side A (only datagrams from it are accepted); null = learn it.</summary>
    public IPEndPoint? PeerA { get; init; }

    public IPEndPoint? PeerB { get; init; }

    public RelayPeerLearning Learning { get; init; } = RelayPeerLearning.FirstSender;

    /// <summary>Seeds both directions' random choices (A→B uses Seed, B→A Seed + 1), so a run is repeatable.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>SO_RCVBUF/SO_SNDBUF asked for on the relay sockets (the kernel may cap it).</summary>
    public int SocketBufferBytes { get; init; } = 4 * 1024 * 1024;
}
