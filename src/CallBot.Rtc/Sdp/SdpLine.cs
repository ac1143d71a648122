namespace CallBot.Rtc.Sdp;

/// <summary>
/// One <c>&lt;type&gt;=&lt;value&gt;</c> line, kept verbatim. Attributes (<c>a=</c>) split into a name and an optional value at
/// the first ':'; property attributes such as <c>a=rtcp-mux</c> have no value.
/// </summary>
public readonly record struct SdpLine(char Type, string Value)
{
    public const char AttributeType = 'a';
    public const char BandwidthType = 'b';
    public const char ConnectionType = 'c';
    public const char TimingType = 't';

    public bool IsAttribute => Type == AttributeType;

    /// <summary>The attribute name (text before the first ':'), or empty when this is not an attribute.</summary>
    public string AttributeName
    {
        get
        {
            if (!IsAttribute)
            {
                return string.Empty;
            }

            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? Value : Value[..colon];
        }
    }

    /// <summary>The attribute value (text after the first ':'), or null for a property attribute or a non-attribute line.</summary>
    public string? AttributeValue
    {
        get
        {
            if (!IsAttribute)
            {
                return null;
            }

            var colon = Value.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : Value[(colon + 1)..];
        }
    }

    /// <summary>True when this is <c>a=name</c> or <c>a=name:...</c>.</summary>
    public bool IsAttributeNamed(string name) =>
        IsAttribute
        && Value.StartsWith(name, StringComparison.Ordinal)
        && (Value.Length == name.Length || Value[name.Length] == ':');

    public static SdpLine Attribute(string name, string? value = null) =>
        new(AttributeType, value is null ? name : string.Concat(name, ":", value));

    public override string ToString() => string.Concat(Type.ToString(), "=", Value);
}
