namespace CallBot.Rtc.Sdp;

/// <summary>
/// The lines of a session or media section after its first line(s), in the order they arrived: known lines, unknown lines
/// and unknown attributes alike. Typed views (rtpmap, fmtp, ...) are read from these lines on demand, so nothing is lost
/// when a description is parsed and written again.
/// </summary>
public abstract class SdpSection
{
    public List<SdpLine> Lines { get; } = [];

    /// <summary>The value of the first <c>a=name:value</c>, or null when absent or a property attribute.</summary>
    public string? GetAttribute(string name)
    {
        foreach (var line in Lines)
        {
            if (line.IsAttributeNamed(name))
            {
                return line.AttributeValue;
            }
        }

        return null;
    }

    /// <summary>Every value of <c>a=name:value</c> in order.</summary>
    public IEnumerable<string> GetAttributes(string name)
    {
        foreach (var line in Lines)
        {
            if (line.IsAttributeNamed(name) && line.AttributeValue is { } value)
            {
                yield return value;
            }
        }
    }

    /// <summary>True when <c>a=name</c> or <c>a=name:...</c> is present.</summary>
    public bool HasAttribute(string name)
    {
        foreach (var line in Lines)
        {
            if (line.IsAttributeNamed(name))
            {
                return true;
            }
        }

        return false;
    }

    public void AddAttribute(string name, string? value = null) => Lines.Add(SdpLine.Attribute(name, value));

    public void AddLine(char type, string value) => Lines.Add(new SdpLine(type, value));

    /// <summary>Typed views of every well-formed attribute named <paramref name="name"/>; malformed ones are skipped.</summary>
    public IEnumerable<T> Parsed<T>(string name, SdpTryParse<T> parse)
    {
        foreach (var value in GetAttributes(name))
        {
            if (parse(value, out var parsed))
            {
                yield return parsed;
            }
        }
    }

    /// <summary>The <c>b=</c> lines that parse.</summary>
    public IEnumerable<SdpBandwidth> Bandwidths
    {
        get
        {
            foreach (var line in Lines)
            {
                if (line.Type == SdpLine.BandwidthType && SdpBandwidth.TryParse(line.Value, out var bandwidth))
                {
                    yield return bandwidth;
                }
            }
        }
    }

    /// <summary>The first <c>c=</c> line, if any.</summary>
    public SdpConnection? Connection
    {
        get
        {
            foreach (var line in Lines)
            {
                if (line.Type == SdpLine.ConnectionType && SdpConnection.TryParse(line.Value, out var connection))
                {
                    return connection;
                }
            }

            return null;
        }
    }

    /// <summary>The first of <c>a=sendrecv|sendonly|recvonly|inactive</c>, or null when none is present.</summary>
    public SdpDirection? ExplicitDirection
    {
        get
        {
            foreach (var line in Lines)
            {
                if (line.IsAttribute && SdpDirectionNames.TryParse(line.Value, out var direction))
                {
                    return direction;
                }
            }

            return null;
        }
    }

    public string? IceUfrag => GetAttribute(SdpAttributeNames.IceUfrag);

    public string? IcePwd => GetAttribute(SdpAttributeNames.IcePwd);

    public string? IceOptions => GetAttribute(SdpAttributeNames.IceOptions);

    public SdpFingerprint? Fingerprint =>
        GetAttribute(SdpAttributeNames.Fingerprint) is { } value && SdpFingerprint.TryParse(value, out var fingerprint) ? fingerprint : null;

    public SdpSetup? Setup =>
        GetAttribute(SdpAttributeNames.Setup) is { } value && SdpSetupNames.TryParse(value, out var setup) ? setup : null;

    public IEnumerable<SdpExtMap> ExtMaps => Parsed<SdpExtMap>(SdpAttributeNames.ExtMap, SdpExtMap.TryParse);
}

/// <summary>The shape of every typed attribute view's parser.</summary>
public delegate bool SdpTryParse<T>(string value, out T result);
