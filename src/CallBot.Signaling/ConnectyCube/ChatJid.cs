using System.Globalization;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>ConnectyCube JIDs: <c>&lt;userId&gt;-&lt;appId&gt;@&lt;domain&gt;[/resource]</c>.</summary>
public static class ChatJid
{
    public static string ForUser(int userId, string appId, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"{userId}-{appId}@{domain}");

    /// <summary>The user id: digits before the first '-' of the local part (the SDK's <c>getUserIdFromJID</c>).</summary>
    public static bool TryGetUserId(string? jid, out int userId)
    {
        userId = 0;
        if (string.IsNullOrEmpty(jid))
        {
            return false;
        }
        var at = jid.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0)
        {
            return false;
        }
        var local = jid.AsSpan(0, at);
        var dash = local.IndexOf('-');
        var digits = dash >= 0 ? local[..dash] : local;
        return digits.Length > 0
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out userId)
            && userId > 0;
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
