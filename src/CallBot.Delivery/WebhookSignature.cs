using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CallBot.Delivery;

/// <summary>
/// The webhook signature: header <c>CallBot-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</c>.
/// The timestamp is the send time of that attempt (each retry is signed anew), so a receiver rejects anything whose
/// timestamp is more than <see cref="DefaultTolerance"/> from its own clock: a captured request cannot be replayed later,
/// and a changed body or timestamp does not verify.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "CallBot-Signature";

    /// <summary>The replay window receivers should apply (either direction, for clock skew).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Create(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Mac(secret, t, body))}";
    }

    /// <summary>The receiver's check: well-formed header, timestamp within <paramref name="tolerance"/> of <paramref name="now"/>, MAC equal (constant time).</summary>
    public static SignatureCheck Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (header is null || header.Length > 256)
        {
            return SignatureCheck.Malformed;
        }

        string? t = null;
        string? v1 = null;
        foreach (var part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (t is null || v1 is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || v1.Length != 64)
        {
            return SignatureCheck.Malformed;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return SignatureCheck.Malformed;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)tolerance.TotalSeconds)
        {
            return SignatureCheck.OutsideWindow;
        }

        return CryptographicOperations.FixedTimeEquals(given, Mac(secret, t, body)) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    private static byte[] Mac(string secret, string t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}

public enum SignatureCheck
{
    Valid,
    Malformed,
    OutsideWindow,
    Mismatch,
}
