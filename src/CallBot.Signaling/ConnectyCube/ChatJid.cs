using System.Globalization;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// ConnectyCube JIDs: <c>&lt;userId&gt;-&lt;appId&gt;@&lt;domain&gt;[/resource]</c>. Parsing is strict because the user id
/// read here is what <c>AllowedCallers</c> trusts: the local part is exactly a user id without leading zeros, optionally
/// followed by <c>-</c> and an app id of digits; nothing else is read as a user.
/// </summary>
public static class ChatJid
{
    /// <summary>RFC 7622 §3.2–3.4: each part is at most 1023 bytes; a JID longer than three parts is not one.</summary>
    public const int MaxLength = 3 * 1023 + 2;

    public static string ForUser(int userId, string appId, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"{userId}-{appId}@{domain}");

    /// <summary>The user id of a JID whose local part is <c>userId</c> or <c>userId-appId</c> (digits, no leading zero), any domain.</summary>
    public static bool TryGetUserId(string? jid, out int userId) => TryParse(jid, out userId, out _, out _);

    /// <summary>
    /// The user id of a JID of this deployment: the app id must equal <paramref name="appId"/> (absent when it is empty)
    /// and the domain must equal <paramref name="domain"/> (ASCII case-insensitive). <c>01001-1@…</c>, <c>1001-999@evil.example</c>
    /// and <c>1001@other.domain</c> are not user 1001 of app 1 at the configured domain.
    /// </summary>
    public static bool TryGetUserId(string? jid, string appId, string domain, out int userId)
    {
        ArgumentNullException.ThrowIfNull(appId);
        ArgumentNullException.ThrowIfNull(domain);
        if (TryParse(jid, out userId, out var parsedApp, out var parsedDomain)
            && parsedApp.SequenceEqual(appId)
            && parsedDomain.Equals(domain, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        userId = 0;
        return false;
    }

    private static bool TryParse(string? jid, out int userId, out ReadOnlySpan<char> appId, out ReadOnlySpan<char> domain)
    {
        userId = 0;
        appId = default;
        domain = default;
        if (string.IsNullOrEmpty(jid) || jid.Length > MaxLength)
        {
            return false;
        }
        var bare = jid.AsSpan();
        var slash = bare.IndexOf('/');
        if (slash >= 0)
        {
            bare = bare[..slash];
        }
        var at = bare.IndexOf('@');
        if (at <= 0 || at != bare.LastIndexOf('@') || at == bare.Length - 1)
        {
            return false;
        }
        var local = bare[..at];
        domain = bare[(at + 1)..];
        var dash = local.IndexOf('-');
        var digits = dash >= 0 ? local[..dash] : local;
        appId = dash >= 0 ? local[(dash + 1)..] : default;
        if (!IsCanonicalNumber(digits) || (dash >= 0 && !IsCanonicalNumber(appId)))
        {
            return false;
        }
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out userId) && userId > 0;
    }

    /// <summary>ASCII digits only, no leading zero (so one number has one spelling).</summary>
    private static bool IsCanonicalNumber(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text[0] == '0')
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The JID without its resource.</summary>
    public static string Bare(string jid)
    {
        ArgumentNullException.ThrowIfNull(jid);
        var slash = jid.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? jid : jid[..slash];
    }

    /// <summary>The part after '@' and before '/'.</summary>
    public static string Domain(string jid)
    {
        var bare = Bare(jid);
        var at = bare.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? bare : bare[(at + 1)..];
    }

    /// <summary>The app id: the text after the first '-' of the local part, or empty.</summary>
    public static string AppId(string jid)
    {
        var bare = Bare(jid);
        var at = bare.IndexOf('@', StringComparison.Ordinal);
        var local = at < 0 ? bare : bare[..at];
        var dash = local.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? string.Empty : local[(dash + 1)..];
    }
}
