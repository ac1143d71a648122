using System.Net;

namespace CallBot.Rtc.Ice;

/// <summary>What the selected pair is, for stats and logs.</summary>
public sealed record IceSelectedPair(
    IceCandidate Local,
    IceCandidate Remote,
    IPEndPoint LocalEndPoint,
    IPEndPoint RemoteEndPoint,
    int Generation)
{
    public IceCandidateType LocalType => Local.Type;

    public IceCandidateType RemoteType => Remote.Type;
}
