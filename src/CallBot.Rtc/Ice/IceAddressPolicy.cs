using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CallBot.Rtc.Ice;

/// <summary>Why a remote candidate address was refused (<see cref="IceAddressRefusal.None"/> = allowed).</summary>
public enum IceAddressRefusal
{
    None,
    /// <summary>Not a dotted-quad IPv4 or an IPv6 literal: integer (<c>2130706433</c>), hex, octal or short forms, scope ids.</summary>
    NonCanonical,
    /// <summary>0.0.0.0/8 or ::.</summary>
    Unspecified,
    /// <summary>240.0.0.0/4 including 255.255.255.255.</summary>
    Broadcast,
    /// <summary>224.0.0.0/4, ff00::/8.</summary>
    Multicast,
    /// <summary>169.254.0.0/16 (cloud metadata lives at 169.254.169.254), fe80::/10.</summary>
    LinkLocal,
    /// <summary>127.0.0.0/8, ::1 — allowed only with <see cref="IceOptions.AllowLoopbackRemoteCandidates"/>.</summary>
    Loopback,
    /// <summary>10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10 — allowed only with <see cref="IceOptions.AllowPrivateRemoteCandidates"/>.</summary>
    Private,
    /// <summary>The generation already has <see cref="IceOptions.MaxRemoteCandidates"/> remote candidates.</summary>
    TooMany,
    /// <summary>A candidate's <c>ufrag</c> extension is not RFC 8839 §5.4 grammar.</summary>
    BadUfrag,
}

/// <summary>
/// Which remote addresses ICE may send to. A caller chooses its candidates, so without a policy it steers the bot's
/// Binding requests at anything the bot can reach: its own loopback services, the cloud metadata address, the LAN.
/// The decision is made on the parsed address bytes, never on the text, and only canonical literals parse (an
/// integer <c>2130706433</c> is 127.0.0.1 to <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>). IPv4 embedded in
/// IPv6 (mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged as the IPv4 address it reaches.
/// </summary>
public sealed class IceAddressPolicy(bool allowLoopback, bool allowPrivate)
{
    public bool AllowLoopback { get; } = allowLoopback;

    public bool AllowPrivate { get; } = allowPrivate;

    public static IceAddressPolicy From(IceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new IceAddressPolicy(options.AllowLoopbackRemoteCandidates, options.AllowPrivateRemoteCandidates);
    }

    /// <summary>Classifies a candidate's connection-address text (RFC 8839 §5.1: IP4-address / IP6-address; names are not handled here).</summary>
    public IceAddressRefusal Check(string address, out IPAddress? parsed)
    {
        if (!TryParseLiteral(address, out parsed))
        {
            return IceAddressRefusal.NonCanonical;
        }

        return Check(parsed!);
    }

    public IceAddressRefusal Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var refusal = Classify(address);
        return refusal switch
        {
            IceAddressRefusal.Loopback when AllowLoopback => IceAddressRefusal.None,
            IceAddressRefusal.Private when AllowPrivate => IceAddressRefusal.None,
            _ => refusal,
        };
    }

    /// <summary>What the address is, before the options: <see cref="IceAddressRefusal.None"/> for a public unicast address.</summary>
    public static IceAddressRefusal Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var length))
        {
            return IceAddressRefusal.NonCanonical;
        }

        return length == 4 ? ClassifyV4(bytes[..4]) : ClassifyV6(bytes[..16]);
    }

    /// <summary>
    /// Parses an IPv4 dotted quad (four decimal octets, no leading zeros) or an IPv6 literal without a zone. Everything
    /// else — including forms <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> accepts such as <c>2130706433</c>,
    /// <c>0x7f.1</c>, <c>0177.0.0.1</c>, <c>127.1</c> — is refused.
    /// </summary>
    public static bool TryParseLiteral(string? text, out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            if (text.Contains('%', StringComparison.Ordinal) || text.Contains('[', StringComparison.Ordinal)
                || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6;
            return true;
        }

        Span<byte> octets = stackalloc byte[4];
        var part = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                continue;
            }

            var field = text.AsSpan(start, i - start);
            if (part == 4 || field.Length is 0 or > 3 || (field.Length > 1 && field[0] == '0')
                || !byte.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out octets[part]))
            {
                return false;
            }

            part++;
            start = i + 1;
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(octets);
        return true;
    }

    private static IceAddressRefusal ClassifyV4(ReadOnlySpan<byte> a) => a[0] switch
    {
        0 => IceAddressRefusal.Unspecified,
        10 => IceAddressRefusal.Private,
        127 => IceAddressRefusal.Loopback,
        100 when (a[1] & 0xC0) == 64 => IceAddressRefusal.Private, // 100.64.0.0/10 shared address space (RFC 6598)
        169 when a[1] == 254 => IceAddressRefusal.LinkLocal,
        172 when (a[1] & 0xF0) == 16 => IceAddressRefusal.Private,
        192 when a[1] == 168 => IceAddressRefusal.Private,
        >= 224 and <= 239 => IceAddressRefusal.Multicast,
        >= 240 => IceAddressRefusal.Broadcast,
        _ => IceAddressRefusal.None,
    };

    private static IceAddressRefusal ClassifyV6(ReadOnlySpan<byte> a)
    {
        var high = BinaryPrimitives.ReadUInt64BigEndian(a);
        var low = BinaryPrimitives.ReadUInt64BigEndian(a[8..]);
        if (high == 0 && low == 0)
        {
            return IceAddressRefusal.Unspecified;
        }

        if (high == 0 && low == 1)
        {
            return IceAddressRefusal.Loopback;
        }

        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64): the IPv4 address decides.
        if ((high == 0 && (low >> 32) is 0xFFFF or 0) || (high == 0x0064_FF9B_0000_0000 && (low >> 32) == 0))
        {
            return ClassifyV4(a[12..]);
        }

        if (a[0] == 0x20 && a[1] == 0x02)
        {
            return ClassifyV4(a.Slice(2, 4)); // 6to4 2002:a.b.c.d::/48
        }

        if (a[0] == 0xFF)
        {
            return IceAddressRefusal.Multicast;
        }

        if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
        {
            return IceAddressRefusal.LinkLocal;
        }

        if ((a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0))
        {
            return IceAddressRefusal.Private; // fc00::/7 unique local, fec0::/10 site-local (deprecated)
        }

        return IceAddressRefusal.None;
    }
}
