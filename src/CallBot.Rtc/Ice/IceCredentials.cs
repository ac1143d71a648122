using System.Security.Cryptography;

namespace CallBot.Rtc.Ice;

/// <summary>
/// ICE ufrag/pwd (RFC 8445 §5.3: ufrag at least 24 bits of randomness (4+ chars), pwd at least 128 bits (22+ chars),
/// both from the ice-char set ALPHA / DIGIT / "+" / "/").
/// </summary>
public sealed record IceCredentials(string Ufrag, string Password)
{
    public const int UfragLength = 8;
    public const int PasswordLength = 24;

    /// <summary>RFC 8839 §5.4: <c>ufrag = 4*256ice-char</c>, <c>password = 22*256ice-char</c>.</summary>
    public const int MinUfragLength = 4;
    public const int MinPasswordLength = 22;
    public const int MaxLength = 256;

    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static IceCredentials Generate() => new(RandomIceString(UfragLength), RandomIceString(PasswordLength));

    /// <summary>
    /// The RFC 8839 §5.4 ufrag grammar. A remote ufrag goes into the USERNAME of every check we send, so anything else
    /// (a '|' or ':' to forge another USERNAME, control characters, kilobytes) is refused before ICE sees it.
    /// </summary>
    public static bool IsValidUfrag(string? ufrag) => IsIceString(ufrag, MinUfragLength);

    /// <summary>The RFC 8839 §5.4 ice-pwd grammar (22 to 256 ice-chars).</summary>
    public static bool IsValidPassword(string? password) => IsIceString(password, MinPasswordLength);

    private static bool IsIceString(string? value, int minLength)
    {
        if (value is null || value.Length < minLength || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ToString never shows the password (secrets are never logged).</summary>
    public override string ToString() => $"ufrag={Ufrag}";

    private static string RandomIceString(int length) => RandomNumberGenerator.GetString(IceChars, length);
}
