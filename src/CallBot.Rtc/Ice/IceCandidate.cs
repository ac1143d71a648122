using System.Globalization;
using System.Net;
using System.Text;

namespace CallBot.Rtc.Ice;

/// <summary>
/// One ICE candidate as carried in SDP and trickle (RFC 8839 §5.1):
/// <code>
/// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
///                       connection-address SP port SP "typ" SP cand-type
///                       [SP "raddr" SP rel-addr] [SP "rport" SP rel-port] *(SP extension-att-name SP extension-att-value)
/// </code>
/// Known extensions (tcptype, generation, ufrag, network-id) get properties; unknown ones are kept
/// in order in <see cref="Extensions"/> and written back.
/// </summary>
public sealed record IceCandidate
{
    public const int RtpComponent = 1;
    private const string Prefix = "candidate:";
    private const string SdpPrefix = "a=candidate:";

    public required string Foundation { get; init; }

    public int Component { get; init; } = RtpComponent;

    /// <summary>"udp" or "tcp" as written (case kept).</summary>
    public string Transport { get; init; } = "udp";

    public uint Priority { get; init; }

    /// <summary>IP literal or an FQDN (browsers hide host IPs behind <c>*.local</c> mDNS names).</summary>
    public required string Address { get; init; }

    public int Port { get; init; }

    public IceCandidateType Type { get; init; }

    public string? RelatedAddress { get; init; }

    public int? RelatedPort { get; init; }

    public string? TcpType { get; init; }

    public int? Generation { get; init; }

    public string? Ufrag { get; init; }

    public string? NetworkId { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Extensions { get; init; } = [];

    public bool IsUdp => string.Equals(Transport, "udp", StringComparison.OrdinalIgnoreCase);

    /// <summary>An mDNS name (RFC 8445 + draft-ietf-mmusic-mdns-ice-candidates) that we cannot resolve.</summary>
    public bool IsMdns => Address.EndsWith(".local", StringComparison.OrdinalIgnoreCase);

    /// <summary>The address as an endpoint, or null when it is a name (mDNS or other FQDN).</summary>
    public IPEndPoint? TryGetEndPoint() =>
        IPAddress.TryParse(Address, out var ip) && Port is > 0 and <= 65535 ? new IPEndPoint(ip, Port) : null;

    /// <summary>RFC 8445 §5.1.2.1: (2^24)*type preference + (2^8)*local preference + (256 - component ID).</summary>
    public static uint ComputePriority(IceCandidateType type, int localPreference, int component = RtpComponent) =>
        (uint)((type.TypePreference() << 24) + ((localPreference & 0xFFFF) << 8) + (256 - component));

    /// <summary>
    /// Parses "candidate:...", "a=candidate:..." or the bare value. Never throws.
    /// </summary>
    public static bool TryParse(string? text, out IceCandidate? candidate)
    {
        candidate = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        if (value.StartsWith(SdpPrefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value[SdpPrefix.Length..];
        }
        else if (value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            value = value[Prefix.Length..];
        }

        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int MandatoryFields = 8;
        if (parts.Length < MandatoryFields || !string.Equals(parts[6], "typ", StringComparison.Ordinal))
        {
            return false;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var component)
            || component is < 1 or > 256
            || !uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var priority)
            || !int.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 0 or > 65535
            || !IceCandidateTypeExtensions.TryParseSdpToken(parts[7], out var type)
            || parts[0].Length is 0 or > 32)
        {
            return false;
        }

        string? relatedAddress = null;
        int? relatedPort = null;
        string? tcpType = null;
        int? generation = null;
        string? ufrag = null;
        string? networkId = null;
        var extensions = new List<KeyValuePair<string, string>>();
        for (var i = MandatoryFields; i + 1 < parts.Length; i += 2)
        {
            var name = parts[i];
            var extensionValue = parts[i + 1];
            switch (name)
            {
                case "raddr":
                    relatedAddress = extensionValue;
                    break;
                case "rport" when int.TryParse(extensionValue, NumberStyles.None, CultureInfo.InvariantCulture, out var rport) && rport <= 65535:
                    relatedPort = rport;
                    break;
                case "tcptype":
                    tcpType = extensionValue;
                    break;
                case "generation" when int.TryParse(extensionValue, NumberStyles.None, CultureInfo.InvariantCulture, out var gen):
                    generation = gen;
                    break;
                case "ufrag":
                    ufrag = extensionValue;
                    break;
                case "network-id":
                    networkId = extensionValue;
                    break;
                default:
                    extensions.Add(new KeyValuePair<string, string>(name, extensionValue));
                    break;
            }
        }

        candidate = new IceCandidate
        {
            Foundation = parts[0],
            Component = component,
            Transport = parts[2],
            Priority = priority,
            Address = parts[4],
            Port = port,
            Type = type,
            RelatedAddress = relatedAddress,
            RelatedPort = relatedPort,
            TcpType = tcpType,
            Generation = generation,
            Ufrag = ufrag,
            NetworkId = networkId,
            Extensions = extensions,
        };
        return true;
    }

    /// <summary>The "candidate:..." value (without "a="), as it goes in SDP and trickle messages.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(128);
        sb.Append(Prefix).Append(Foundation)
            .Append(' ').Append(Component.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(Transport)
            .Append(' ').Append(Priority.ToString(CultureInfo.InvariantCulture))
            .Append(' ').Append(Address)
            .Append(' ').Append(Port.ToString(CultureInfo.InvariantCulture))
            .Append(" typ ").Append(Type.ToSdpToken());
        if (RelatedAddress is not null)
        {
            sb.Append(" raddr ").Append(RelatedAddress);
        }

        if (RelatedPort is { } rport)
        {
            sb.Append(" rport ").Append(rport.ToString(CultureInfo.InvariantCulture));
        }

        if (TcpType is not null)
        {
            sb.Append(" tcptype ").Append(TcpType);
        }

        if (Generation is { } generation)
        {
            sb.Append(" generation ").Append(generation.ToString(CultureInfo.InvariantCulture));
        }

        if (Ufrag is not null)
        {
            sb.Append(" ufrag ").Append(Ufrag);
        }

        if (NetworkId is not null)
        {
            sb.Append(" network-id ").Append(NetworkId);
        }

        foreach (var extension in Extensions)
        {
            sb.Append(' ').Append(extension.Key).Append(' ').Append(extension.Value);
        }

        return sb.ToString();
    }

    public bool Equals(IceCandidate? other) =>
        other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
