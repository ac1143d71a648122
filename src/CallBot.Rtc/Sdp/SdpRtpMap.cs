using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary><c>a=rtpmap:&lt;pt&gt; &lt;encoding&gt;/&lt;clock&gt;[/&lt;channels&gt;]</c> (RFC 8866 §6.6). Channels is null when absent.</summary>
public readonly record struct SdpRtpMap(byte PayloadType, string EncodingName, int ClockRate, int? Channels)
{
    public const byte MaxPayloadType = 127;

    /// <summary>The channel count with the RFC default of 1 applied.</summary>
    public int ChannelCount => Channels ?? 1;

    public static bool TryParse(string value, out SdpRtpMap map)
    {
        map = default;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !SdpNumbers.TryPayloadType(value.AsSpan(0, space), out var pt))
        {
            return false;
        }

        var parts = value[(space + 1)..].Trim().Split('/');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var clock) || clock == 0)
        {
            return false;
        }

        int? channels = null;
        if (parts.Length == 3)
        {
            if (!int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count == 0)
            {
                return false;
            }

            channels = count;
        }

        map = new SdpRtpMap(pt, parts[0], clock, channels);
        return true;
    }

    public override string ToString() => Channels is { } channels
        ? string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}/{channels}")
        : string.Create(CultureInfo.InvariantCulture, $"{PayloadType} {EncodingName}/{ClockRate}");
}

internal static class SdpNumbers
{
    public static bool TryPayloadType(ReadOnlySpan<char> text, out byte pt) =>
        byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out pt) && pt <= SdpRtpMap.MaxPayloadType;

    public static bool TryUInt32(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
