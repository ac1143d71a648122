namespace CallBot.Rtc.Ice;

/// <summary>Candidate types (RFC 8445 §5.1.1) with their SDP token and recommended type preference (§5.1.2.2).</summary>
public enum IceCandidateType
{
    Host,
    ServerReflexive,
    PeerReflexive,
    Relay,
}

public static class IceCandidateTypeExtensions
{
    public static string ToSdpToken(this IceCandidateType type) => type switch
    {
        IceCandidateType.Host => "host",
        IceCandidateType.ServerReflexive => "srflx",
        IceCandidateType.PeerReflexive => "prflx",
        _ => "relay",
    };

    public static bool TryParseSdpToken(string token, out IceCandidateType type)
    {
        switch (token)
        {
            case "host":
                type = IceCandidateType.Host;
                return true;
            case "srflx":
                type = IceCandidateType.ServerReflexive;
                return true;
            case "prflx":
                type = IceCandidateType.PeerReflexive;
                return true;
            case "relay":
                type = IceCandidateType.Relay;
                return true;
            default:
                type = default;
                return false;
        }
    }

    /// <summary>RFC 8445 §5.1.2.2 recommended values: host 126, prflx 110, srflx 100, relay 0.</summary>
    public static int TypePreference(this IceCandidateType type) => type switch
    {
        IceCandidateType.Host => 126,
        IceCandidateType.PeerReflexive => 110,
        IceCandidateType.ServerReflexive => 100,
        _ => 0,
    };
}
