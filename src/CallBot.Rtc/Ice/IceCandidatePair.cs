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

    /// <summary>
    /// A check from the peer passed integrity on this pair: the peer knows our password, so its ICE can validate the pair
    /// too. With our own check's success this makes the pair usable before nomination (libwebrtc: writable and receiving).
    /// </summary>
    public bool CheckedByPeer { get; set; }

    /// <summary>
    /// The peer's last check on this pair named our previous local ufrag: it restarted, and its pair was set up before our
    /// answer with the new credentials reached it (libwebrtc keeps such a pair, and answers a check naming our new ufrag
    /// with 401). Our checks on the pair then name the same previous ufrag, so the peer's pair and ours agree.
    /// </summary>
    public bool PeerUsesPreviousLocalCredentials { get; set; }

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
internal sealed class IceGeneration(int number, IceCredentials local, IceCredentials? previousLocal = null)
{
    public int Number { get; } = number;

    public IceCredentials Local { get; } = local;

    public byte[] LocalKey { get; } = Stun.StunIntegrity.ShortTermKey(local.Password);

    /// <summary>Our credentials of the generation before, which a restarting peer may still check this generation with.</summary>
    public IceCredentials? PreviousLocal { get; } = previousLocal;

    public byte[]? PreviousLocalKey { get; } = previousLocal is null ? null : Stun.StunIntegrity.ShortTermKey(previousLocal.Password);

    /// <summary>The local ufrag our checks on <paramref name="pair"/> name (see <see cref="IceCandidatePair.PeerUsesPreviousLocalCredentials"/>).</summary>
    public string LocalUfragFor(IceCandidatePair pair) =>
        pair.PeerUsesPreviousLocalCredentials && PreviousLocal is { } previous ? previous.Ufrag : Local.Ufrag;

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

    /// <summary>
    /// The pair media uses in this generation: the nominated one, or before nomination the first valid pair (RFC 8445
    /// §12.1: data may flow on a valid pair before one is nominated; libwebrtc does the same on both sides).
    /// </summary>
    public IceCandidatePair? Selected { get; set; }

    /// <summary>Whether <see cref="Selected"/> is nominated (USE-CANDIDATE succeeded), not just the first valid pair.</summary>
    public bool Nominated { get; set; }
}
