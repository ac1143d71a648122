namespace CallBot.Rtc.Sdp;

/// <summary>
/// <c>a=fingerprint:&lt;hash-func&gt; &lt;XX:XX:...&gt;</c> (RFC 8122 §5). The hash name is lower-cased; the hex stays as
/// written (browsers use upper case). Use <see cref="Matches"/> to compare, which ignores case.
/// </summary>
public sealed record SdpFingerprint(string Algorithm, string Value)
{
    public const string Sha256 = "sha-256";

    public bool Matches(SdpFingerprint other) =>
        string.Equals(Algorithm, other.Algorithm, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The fingerprint bytes, or false when the hex is malformed.</summary>
    public bool TryGetBytes(out byte[] bytes)
    {
        bytes = [];
        var hex = Value.Replace(":", string.Empty, StringComparison.Ordinal);
        if (hex.Length == 0 || hex.Length % 2 != 0)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Formats raw hash bytes as <c>AB:CD:...</c>.</summary>
    public static SdpFingerprint FromBytes(string algorithm, ReadOnlySpan<byte> hash) =>
        new(algorithm, string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(pair => new string(pair))));

    public static bool TryParse(string value, out SdpFingerprint fingerprint)
    {
        fingerprint = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return false;
        }

        fingerprint = new SdpFingerprint(parts[0].ToLowerInvariant(), parts[1]);
        return true;
    }

    public override string ToString() => $"{Algorithm} {Value}";
}
