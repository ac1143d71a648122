namespace CallBot.Rtc.Sdp;

/// <summary>
/// <c>a=fmtp:&lt;pt&gt; &lt;parameters&gt;</c> (RFC 8866 §6.15). <see cref="Parameters"/> keeps the text as written;
/// <see cref="TryGetParameter"/> reads <c>key=value</c> pairs separated by ';'.
/// </summary>
public readonly record struct SdpFmtp(byte PayloadType, string Parameters)
{
    public bool TryGetParameter(string key, out string value)
    {
        foreach (var part in Parameters.Split(';'))
        {
            var pair = part.Trim();
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq].Trim();
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                value = eq < 0 ? string.Empty : pair[(eq + 1)..].Trim();
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    public static bool TryParse(string value, out SdpFmtp fmtp)
    {
        fmtp = default;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !SdpNumbers.TryPayloadType(value.AsSpan(0, space), out var pt))
        {
            return false;
        }

        fmtp = new SdpFmtp(pt, value[(space + 1)..].Trim());
        return true;
    }

    public override string ToString() => $"{PayloadType} {Parameters}";
}
