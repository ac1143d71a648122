using System.Globalization;

namespace CallBot.Rtc.Turn;

/// <summary>
/// One TURN URI from an RTCIceServer's <c>urls</c> (RFC 7065):
/// <code>
/// turnURI   = scheme ":" host [ ":" port ] [ "?transport=" transport ]
/// scheme    = "turn" / "turns"
/// transport = "udp" / "tcp"
/// </code>
/// Default ports: 3478 for <c>turn:</c>, 5349 for <c>turns:</c>. <c>turn:</c> defaults to UDP and
/// <c>turns:</c> to TLS over TCP; <c>turns:...?transport=udp</c> (DTLS) is not supported.
/// <c>stun:</c>/<c>stuns:</c> URIs are not TURN and are left to ICE.
/// </summary>
public sealed record TurnServerUrl(string Host, int Port, TurnTransportKind Transport)
{
    public const int DefaultPort = 3478;
    public const int DefaultTlsPort = 5349;

    private const string TurnScheme = "turn:";
    private const string TurnsScheme = "turns:";
    private const string TransportQuery = "?transport=";

    public bool IsSecure => Transport == TurnTransportKind.Tls;

    public static bool TryParse(string? url, out TurnServerUrl? result, out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "empty URL";
            return false;
        }

        var text = url.Trim();
        bool secure;
        if (text.StartsWith(TurnsScheme, StringComparison.OrdinalIgnoreCase))
        {
            secure = true;
            text = text[TurnsScheme.Length..];
        }
        else if (text.StartsWith(TurnScheme, StringComparison.OrdinalIgnoreCase))
        {
            secure = false;
            text = text[TurnScheme.Length..];
        }
        else
        {
            error = "not a turn: or turns: URL";
            return false;
        }

        var transport = secure ? TurnTransportKind.Tls : TurnTransportKind.Udp;
        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            var parameter = text[query..];
            text = text[..query];
            if (!parameter.StartsWith(TransportQuery, StringComparison.OrdinalIgnoreCase))
            {
                error = "unknown query parameter";
                return false;
            }

            var value = parameter[TransportQuery.Length..];
            if (value.Equals("tcp", StringComparison.OrdinalIgnoreCase))
            {
                transport = secure ? TurnTransportKind.Tls : TurnTransportKind.Tcp;
            }
            else if (value.Equals("udp", StringComparison.OrdinalIgnoreCase))
            {
                if (secure)
                {
                    error = "turns: over UDP (DTLS) is not supported";
                    return false;
                }
            }
            else
            {
                error = "transport must be udp or tcp";
                return false;
            }
        }

        if (!TrySplitHostPort(text, secure ? DefaultTlsPort : DefaultPort, out var host, out var port, out error))
        {
            return false;
        }

        result = new TurnServerUrl(host, port, transport);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for configuration, not for network input.</summary>
    public static TurnServerUrl Parse(string url) =>
        TryParse(url, out var result, out var error) ? result! : throw new FormatException($"Bad TURN URL '{url}': {error}");

    public override string ToString()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;
        return Transport switch
        {
            TurnTransportKind.Tls => $"turns:{host}:{Port}?transport=tcp",
            TurnTransportKind.Tcp => $"turn:{host}:{Port}?transport=tcp",
            _ => $"turn:{host}:{Port}?transport=udp",
        };
    }

    private static bool TrySplitHostPort(string text, int defaultPort, out string host, out int port, out string? error)
    {
        host = string.Empty;
        port = defaultPort;
        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 2)
            {
                error = "unterminated IPv6 literal";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0)
            {
                error = null;
                return true;
            }

            if (rest[0] != ':')
            {
                error = "garbage after IPv6 literal";
                return false;
            }

            portText = rest[1..];
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                host = text;
                error = host.Length == 0 ? "missing host" : null;
                return host.Length != 0 && IsHostName(host, ref error);
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            error = "missing host";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = "bad port";
            return false;
        }

        error = null;
        return IsHostName(host, ref error);
    }

    private static bool IsHostName(string host, ref string? error)
    {
        foreach (var c in host)
        {
            if (char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#')
            {
                error = "bad character in host";
                return false;
            }
        }

        return true;
    }
}
