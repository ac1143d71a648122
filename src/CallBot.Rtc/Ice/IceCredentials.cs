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
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static IceCredentials Generate() => new(RandomIceString(UfragLength), RandomIceString(PasswordLength));

    /// <summary>ToString never shows the password (secrets are never logged).</summary>
    public override string ToString() => $"ufrag={Ufrag}";

    private static string RandomIceString(int length) => RandomNumberGenerator.GetString(IceChars, length);
}
