using CallBot.Rtc.Turn;

namespace CallBot.Rtc;

/// <summary>
/// One entry of an RTCIceServer's <c>urls</c>, parsed strictly:
/// <code>
/// stunURI = "stun:" host [ ":" port ]                               (RFC 7064; default port 3478)
/// turnURI = ("turn:" / "turns:") host [ ":" port ] [ "?transport=" ("udp" / "tcp") ]   (RFC 7065)
/// </code>
/// <c>stuns:</c>, <c>turns:…?transport=udp</c> (DTLS) and every other scheme are refused with a reason.
/// </summary>
public sealed record IceServerUrl
{
    public const int DefaultStunPort = 3478;

    private const string StunScheme = "stun:";

    private IceServerUrl(string host, int port, TurnServerUrl? turn)
    {
        Host = host;
        Port = port;
        Turn = turn;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The TURN server (host, port, transport) for <c>turn:</c>/<c>turns:</c>; null for <c>stun:</c>.</summary>
    public TurnServerUrl? Turn { get; }

    public bool IsTurn => Turn is not null;

    public static bool TryParse(string? url, out IceServerUrl? result, out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "empty URL";
            return false;
        }

        var text = url.Trim();
        if (text.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("turns:", StringComparison.OrdinalIgnoreCase))
        {
            if (!TurnServerUrl.TryParse(text, out var turn, out error))
            {
                return false;
            }

            result = new IceServerUrl(turn!.Host, turn.Port, turn);
            return true;
        }

        if (!text.StartsWith(StunScheme, StringComparison.OrdinalIgnoreCase))
        {
            error = text.StartsWith("stuns:", StringComparison.OrdinalIgnoreCase)
                ? "stuns: (STUN over TLS) is not supported"
                : "unknown scheme: expected stun:, turn: or turns:";
            return false;
        }

        var hostPort = text[StunScheme.Length..];
        if (hostPort.Contains('?', StringComparison.Ordinal))
        {
            error = "a stun: URL takes no query";
            return false;
        }

        // Same host[:port] grammar as a TURN URL: let the TURN parser check it.
        if (!TurnServerUrl.TryParse("turn:" + hostPort, out var parsed, out error))
        {
            return false;
        }

        result = new IceServerUrl(parsed!.Host, parsed.Port == TurnServerUrl.DefaultPort ? DefaultStunPort : parsed.Port, turn: null);
        return true;
    }

    /// <summary>
    /// <paramref name="url"/> fit for an error message or a log: anything before an '@' (someone's
    /// <c>turn:user:password@host</c>) is replaced by <c>***</c>.
    /// </summary>
    public static string Redact(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return string.Empty;
        }

        var at = url.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }

        var colon = url.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon < at ? string.Concat(url.AsSpan(0, colon + 1), "***", url.AsSpan(at)) : "***" + url[at..];
    }

    public override string ToString() => Turn?.ToString() ?? $"stun:{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}";
}
