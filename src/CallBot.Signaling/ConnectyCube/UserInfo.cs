using System.Globalization;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// The <c>userInfo</c> object of a signal: an arbitrary, ordered, nested tree. Well-known keys have helpers:
/// <c>maxBandwidth</c> (kbit/s, 0 = no cap) and <c>busy</c> (mobile SDKs reject with <c>busy=true</c>).
/// Immutable; the <c>With…</c> methods return a copy.
/// </summary>
public sealed class UserInfo
{
    public const string MaxBandwidthKey = "maxBandwidth";
    public const string BusyKey = "busy";
    public const string NotSupportedKey = "not_supported";

    public static readonly UserInfo Empty = new([]);

    public UserInfo(IEnumerable<InfoNode> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
    }

    public IReadOnlyList<InfoNode> Items { get; }

    public bool IsEmpty => Items.Count == 0;

    /// <summary>Text of the first top-level leaf with that key, or null.</summary>
    public string? this[string key] => Find(key)?.Value;

    public InfoNode? Find(string key)
    {
        foreach (var item in Items)
        {
            if (item.Name == key)
            {
                return item;
            }
        }
        return null;
    }

    /// <summary><c>maxBandwidth</c> in kbit/s when present and numeric; 0 means "no cap".</summary>
    public int? MaxBandwidth =>
        int.TryParse(this[MaxBandwidthKey], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : null;

    public bool IsBusy => string.Equals(this[BusyKey], "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds or replaces a top-level leaf, keeping the position of a replaced key.</summary>
    public UserInfo With(string key, string value) => With(InfoNode.Leaf(key, value));

    /// <summary>Adds or replaces a top-level node, keeping the position of a replaced key.</summary>
    public UserInfo With(InfoNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var items = new List<InfoNode>(Items.Count + 1);
        var replaced = false;
        foreach (var item in Items)
        {
            if (!replaced && item.Name == node.Name)
            {
                items.Add(node);
                replaced = true;
            }
            else
            {
                items.Add(item);
            }
        }
        if (!replaced)
        {
            items.Add(node);
        }
        return new UserInfo(items);
    }

    public UserInfo Without(string key)
    {
        var items = new List<InfoNode>(Items.Count);
        foreach (var item in Items)
        {
            if (item.Name != key)
            {
                items.Add(item);
            }
        }
        return new UserInfo(items);
    }

    public UserInfo WithMaxBandwidth(int kbps) => With(MaxBandwidthKey, kbps.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => "{" + string.Join(", ", Items) + "}";
}

/// <summary>The SDK's <c>sendMessage</c> rules for the userInfo it puts on the wire.</summary>
public static class SignalUserInfo
{
    /// <summary>Drops a <c>maxBandwidth</c> of 0, then returns null when nothing is left (the SDK omits an empty userInfo).</summary>
    public static UserInfo? Prepare(UserInfo? userInfo)
    {
        if (userInfo is null || userInfo.IsEmpty)
        {
            return null;
        }
        var info = userInfo[UserInfo.MaxBandwidthKey] == "0" ? userInfo.Without(UserInfo.MaxBandwidthKey) : userInfo;
        return info.IsEmpty ? null : info;
    }
}
