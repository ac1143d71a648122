namespace CallBot.Rtc.Sdp;

/// <summary>
/// Decides whether a remote format and a local codec are the same codec (RFC 8829 §5.3.1, RFC 3264 §6.1): same
/// encoding name (case-insensitive), clock rate and channel count, plus the format parameters that change the
/// bitstream: H.264 profile + packetization-mode, VP9/AV1 profile.
/// </summary>
public static class SdpCodecMatcher
{
    private const string H264 = "H264";
    private const string Vp9 = "VP9";
    private const string Av1 = "AV1";

    public static bool Matches(SdpRtpMap remote, string? remoteFmtp, SdpCodec local)
    {
        if (!string.Equals(remote.EncodingName, local.Name, StringComparison.OrdinalIgnoreCase)
            || remote.ClockRate != local.ClockRate
            || remote.ChannelCount != (local.Channels ?? 1))
        {
            return false;
        }

        if (string.Equals(local.Name, H264, StringComparison.OrdinalIgnoreCase))
        {
            return H264Parameters.AreCompatible(remoteFmtp, local.Fmtp);
        }

        if (string.Equals(local.Name, Vp9, StringComparison.OrdinalIgnoreCase))
        {
            return SameParameter(remoteFmtp, local.Fmtp, "profile-id", "0");
        }

        if (string.Equals(local.Name, Av1, StringComparison.OrdinalIgnoreCase))
        {
            return SameParameter(remoteFmtp, local.Fmtp, "profile", "0");
        }

        return true;
    }

    private static bool SameParameter(string? fmtpA, string? fmtpB, string name, string defaultValue) =>
        string.Equals(Parameter(fmtpA, name, defaultValue), Parameter(fmtpB, name, defaultValue), StringComparison.Ordinal);

    private static string Parameter(string? fmtp, string name, string defaultValue) =>
        fmtp is not null && new SdpFmtp(0, fmtp).TryGetParameter(name, out var value) ? value : defaultValue;
}
