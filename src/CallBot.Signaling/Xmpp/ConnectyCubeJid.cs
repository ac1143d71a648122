using System.Globalization;

namespace CallBot.Signaling.Xmpp;

/// <summary>ConnectyCube chat JIDs look like <c>userId-appId@domain/resource</c>.</summary>
public static class ConnectyCubeJid
{
    /// <summary>The user id: the digits before the first '-' of the local part. False for anything else.</summary>
    public static bool TryGetUserId(ReadOnlySpan<char> jid, out long userId)
    {
        userId = 0;
        int at = jid.IndexOf('@');
        var local = at >= 0 ? jid[..at] : jid;
        int dash = local.IndexOf('-');
        var digits = dash >= 0 ? local[..dash] : local;
        if (digits.IsEmpty)
        {
            return false;
        }
        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out userId);
    }

    /// <summary>The bare JID without the resource.</summary>
    public static string Bare(string jid)
    {
        int slash = jid.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? jid[..slash] : jid;
    }
}
