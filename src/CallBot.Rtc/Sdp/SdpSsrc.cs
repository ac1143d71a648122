namespace CallBot.Rtc.Sdp;

/// <summary><c>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;]</c> (RFC 5576 §4.1), e.g. <c>cname:abc</c> or <c>msid:s t</c>.</summary>
public readonly record struct SdpSsrc(uint Ssrc, string Attribute, string? Value)
{
    public const string CName = "cname";
    public const string Msid = "msid";

    public static bool TryParse(string value, out SdpSsrc ssrc)
    {
        ssrc = default;
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || !SdpNumbers.TryUInt32(value.AsSpan(0, space), out var id))
        {
            return false;
        }

        var rest = value[(space + 1)..];
        if (rest.Length == 0)
        {
            return false;
        }

        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        ssrc = colon < 0 ? new SdpSsrc(id, rest, null) : new SdpSsrc(id, rest[..colon], rest[(colon + 1)..]);
        return true;
    }

    public override string ToString() => Value is null ? $"{Ssrc} {Attribute}" : $"{Ssrc} {Attribute}:{Value}";
}

/// <summary><c>a=ssrc-group:&lt;semantics&gt; &lt;ssrc&gt; ...</c> (RFC 5576 §4.2); FID pairs a media SSRC with its RTX SSRC.</summary>
public sealed record SdpSsrcGroup(string Semantics, IReadOnlyList<uint> Ssrcs)
{
    public const string Fid = "FID";
    public const string Sim = "SIM";

    public static bool TryParse(string value, out SdpSsrcGroup group)
    {
        group = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return false;
        }

        var ssrcs = new uint[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            if (!SdpNumbers.TryUInt32(parts[i], out ssrcs[i - 1]))
            {
                return false;
            }
        }

        group = new SdpSsrcGroup(parts[0], ssrcs);
        return true;
    }

    public override string ToString() => $"{Semantics} {string.Join(' ', Ssrcs)}";
}

/// <summary><c>a=msid:&lt;stream id&gt; [&lt;track id&gt;]</c> (RFC 8830 §2).</summary>
public sealed record SdpMsid(string StreamId, string? TrackId)
{
    public static bool TryParse(string value, out SdpMsid msid)
    {
        msid = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
        {
            return false;
        }

        msid = new SdpMsid(parts[0], parts.Length == 2 ? parts[1] : null);
        return true;
    }

    public override string ToString() => TrackId is null ? StreamId : $"{StreamId} {TrackId}";
}

/// <summary><c>a=group:&lt;semantics&gt; &lt;mid&gt; ...</c> (RFC 5888 §5, BUNDLE in RFC 8843).</summary>
public sealed record SdpGroup(string Semantics, IReadOnlyList<string> Mids)
{
    public const string Bundle = "BUNDLE";

    public static bool TryParse(string value, out SdpGroup group)
    {
        group = null!;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 1)
        {
            return false;
        }

        group = new SdpGroup(parts[0], parts[1..]);
        return true;
    }

    public override string ToString() => Mids.Count == 0 ? Semantics : $"{Semantics} {string.Join(' ', Mids)}";
}
