using System.Globalization;

namespace CallBot.Rtc.Sdp;

/// <summary><c>b=&lt;bwtype&gt;:&lt;bandwidth&gt;</c> (RFC 8866 §5.8). AS is kbit/s, TIAS (RFC 3890) is bit/s.</summary>
public readonly record struct SdpBandwidth(string Type, long Value)
{
    public const string ApplicationSpecific = "AS";
    public const string TransportIndependent = "TIAS";
    private const int KiloBits = 1000;

    /// <summary>The limit in bit/s for AS and TIAS, null for other types.</summary>
    public long? BitsPerSecond => Type switch
    {
        ApplicationSpecific => Value * KiloBits,
        TransportIndependent => Value,
        _ => null,
    };

    public static bool TryParse(string value, out SdpBandwidth bandwidth)
    {
        bandwidth = default;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0
            || !long.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        bandwidth = new SdpBandwidth(value[..colon], amount);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type}:{Value}");
}
