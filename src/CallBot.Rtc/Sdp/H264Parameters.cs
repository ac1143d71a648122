using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary>H.264 profiles as RFC 6184 §8.1 profile-level-id identifies them, for codec matching.</summary>
public enum H264Profile
{
    Unknown,
    ConstrainedBaseline,
    Baseline,
    Main,
    Extended,
    ConstrainedHigh,
    High,
}

/// <summary>
/// Reads profile-level-id and packetization-mode from an H.264 fmtp. Two H.264 formats match when their profile and
/// packetization-mode agree; the level may differ (RFC 6184 §8.2.2, and how browsers pair them).
/// </summary>
public static class H264Parameters
{
    /// <summary>RFC 6184 §8.1: without profile-level-id, Baseline at level 1.0 is implied.</summary>
    public const string DefaultProfileLevelId = "42000a";

    private const byte ProfileBaseline = 0x42;
    private const byte ProfileMain = 0x4d;
    private const byte ProfileExtended = 0x58;
    private const byte ProfileHigh = 0x64;
    private const byte ConstraintSet0 = 0x80;
    private const byte ConstraintSet1 = 0x40;
    private const byte ConstraintSet4And5 = 0x0c;
    private const int ProfileLevelIdLength = 6;

    public static bool TryParseProfileLevelId(string? text, out H264Profile profile, out byte level)
    {
        profile = H264Profile.Unknown;
        level = 0;
        text ??= DefaultProfileLevelId;
        if (text.Length != ProfileLevelIdLength
            || !uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        var idc = (byte)(value >> 16);
        var iop = (byte)(value >> 8);
        level = (byte)value;
        profile = Classify(idc, iop);
        return profile != H264Profile.Unknown;
    }

    /// <summary>The profile of an fmtp parameter string (null fmtp = default), or Unknown.</summary>
    public static H264Profile ProfileOf(string? fmtp)
    {
        string? id = null;
        if (fmtp is not null && new SdpFmtp(0, fmtp).TryGetParameter("profile-level-id", out var text))
        {
            id = text;
        }

        return TryParseProfileLevelId(id, out var profile, out _) ? profile : H264Profile.Unknown;
    }

    /// <summary>packetization-mode, 0 when absent (RFC 6184 §8.1).</summary>
    public static int PacketizationModeOf(string? fmtp) =>
        fmtp is not null && new SdpFmtp(0, fmtp).TryGetParameter("packetization-mode", out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mode) ? mode : 0;

    public static bool AreCompatible(string? fmtpA, string? fmtpB)
    {
        var profile = ProfileOf(fmtpA);
        return profile != H264Profile.Unknown
            && profile == ProfileOf(fmtpB)
            && PacketizationModeOf(fmtpA) == PacketizationModeOf(fmtpB);
    }

    private static H264Profile Classify(byte idc, byte iop) => idc switch
    {
        ProfileBaseline => (iop & ConstraintSet1) != 0 ? H264Profile.ConstrainedBaseline : H264Profile.Baseline,
        ProfileMain => (iop & ConstraintSet0) != 0 ? H264Profile.ConstrainedBaseline : H264Profile.Main,
        ProfileExtended => (iop & (ConstraintSet0 | ConstraintSet1)) == (ConstraintSet0 | ConstraintSet1)
            ? H264Profile.ConstrainedBaseline
            : (iop & ConstraintSet0) != 0 ? H264Profile.Baseline : H264Profile.Extended,
        ProfileHigh => (iop & ConstraintSet4And5) == ConstraintSet4And5 ? H264Profile.ConstrainedHigh : H264Profile.High,
        _ => H264Profile.Unknown,
    };
}
