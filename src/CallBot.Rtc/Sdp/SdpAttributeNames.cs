namespace CallBot.Rtc.Sdp;

/// <summary>The attribute names CallBot reads or writes (RFC 8866, 8829, 8839, 8843, 8122, 4145, 5576, 8830, 3605, 5761, 5506).</summary>
public static class SdpAttributeNames
{
    public const string RtpMap = "rtpmap";
    public const string Fmtp = "fmtp";
    public const string RtcpFb = "rtcp-fb";
    public const string ExtMap = "extmap";
    public const string ExtMapAllowMixed = "extmap-allow-mixed";
    public const string Ssrc = "ssrc";
    public const string SsrcGroup = "ssrc-group";
    public const string Msid = "msid";
    public const string MsidSemantic = "msid-semantic";
    public const string Mid = "mid";
    public const string Group = "group";
    public const string IceUfrag = "ice-ufrag";
    public const string IcePwd = "ice-pwd";
    public const string IceOptions = "ice-options";
    public const string IceLite = "ice-lite";
    public const string Fingerprint = "fingerprint";
    public const string Setup = "setup";
    public const string Candidate = "candidate";
    public const string EndOfCandidates = "end-of-candidates";
    public const string Rtcp = "rtcp";
    public const string RtcpMux = "rtcp-mux";
    public const string RtcpRsize = "rtcp-rsize";
    public const string SendRecv = "sendrecv";
    public const string SendOnly = "sendonly";
    public const string RecvOnly = "recvonly";
    public const string Inactive = "inactive";

    /// <summary>The <c>a=ice-options</c> token for trickle ICE (RFC 8840).</summary>
    public const string TrickleOption = "trickle";
}
