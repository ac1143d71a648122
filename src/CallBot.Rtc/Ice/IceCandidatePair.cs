using System.Net;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>A local/remote pair on the checklist (RFC 8445 §6.1.2). Owned by the agent loop.</summary>
internal sealed class IceCandidatePair
{
    public IceCandidatePair(IceLocalCandidate local, IceCandidate remote, IPEndPoint remoteEndPoint, IceGeneration generation)
    {
        Local = local;
        Remote = remote;
        RemoteEndPoint = remoteEndPoint;
        RemoteAddress = remoteEndPoint.Serialize();
        Generation = generation;
    }

    public IceLocalCandidate Local { get; }

    public IceCandidate Remote { get; set; }

    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>Pre-serialized destination so sending never allocates.</summary>
    public SocketAddress RemoteAddress { get; }

    public IDatagramSocket Socket => Local.Socket;

    public IceGeneration Generation { get; }

    public IceCandidatePairState State { get; set; } = IceCandidatePairState.Waiting;

    /// <summary>Controlled side: the peer sent USE-CANDIDATE for this pair.</summary>
    public bool NominatedByPeer { get; set; }

    public ulong Priority { get; private set; }

    public void ComputePriority(IceRole role)
    {
        // RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), G = controlling side's priority.
        ulong local = Local.Candidate.Priority;
        ulong remote = Remote.Priority;
        var g = role == IceRole.Controlling ? local : remote;
        var d = role == IceRole.Controlling ? remote : local;
        Priority = (Math.Min(g, d) << 32) + (2 * Math.Max(g, d)) + (g > d ? 1UL : 0UL);
    }

    public bool Matches(IDatagramSocket socket, IPEndPoint remote) => ReferenceEquals(Socket, socket) && RemoteEndPoint.Equals(remote);

    public override string ToString() => $"{Local.Candidate.Address}:{Local.Candidate.Port} -> {RemoteEndPoint} ({State})";
}

/// <summary>One set of credentials on both sides; an ICE restart starts a new generation (RFC 8445 §9).</summary>
internal sealed class IceGeneration(int number, IceCredentials local)
{
    public int Number { get; } = number;

    public IceCredentials Local { get; } = local;

    public byte[] LocalKey { get; } = Stun.StunIntegrity.ShortTermKey(local.Password);

    public IceCredentials? Remote { get; set; }

    public byte[]? RemoteKey { get; set; }

    public bool RemoteEndOfCandidates { get; set; }

    public bool Completed { get; set; }

    public List<IceCandidatePair> Pairs { get; } = [];

    public List<IceCandidate> RemoteCandidates { get; } = [];

    public Queue<IceCandidatePair> Triggered { get; } = new();

    public DateTimeOffset? FirstValidAt { get; set; }

    public DateTimeOffset? CheckingStartedAt { get; set; }

    public IceCandidatePair? NominationInFlight { get; set; }

    public IceCandidatePair? Selected { get; set; }
}
