using CallBot.Rtc.Turn;

namespace CallBot.Rtc.Tests.Turn;

/// <summary>RTCIceServer <c>urls</c> entries as the ConnectyCube SDK and browsers accept them (RFC 7065).</summary>
public sealed class TurnServerUrlTests
{
    [Theory]
    [InlineData("turn:turn.connectycube.com", "turn.connectycube.com", 3478, TurnTransportKind.Udp)]
    [InlineData("turn:turn.connectycube.com:5349", "turn.connectycube.com", 5349, TurnTransportKind.Udp)]
    [InlineData("turn:turn.connectycube.com:3478?transport=udp", "turn.connectycube.com", 3478, TurnTransportKind.Udp)]
    [InlineData("turn:turn.connectycube.com:3478?transport=tcp", "turn.connectycube.com", 3478, TurnTransportKind.Tcp)]
    [InlineData("turn:127.0.0.1:3479?transport=TCP", "127.0.0.1", 3479, TurnTransportKind.Tcp)]
    [InlineData("turns:turn.example.org", "turn.example.org", 5349, TurnTransportKind.Tls)]
    [InlineData("turns:turn.example.org:443?transport=tcp", "turn.example.org", 443, TurnTransportKind.Tls)]
    [InlineData("TURNS:turn.example.org:443", "turn.example.org", 443, TurnTransportKind.Tls)]
    [InlineData("turn:[2001:db8::1]:3478?transport=udp", "2001:db8::1", 3478, TurnTransportKind.Udp)]
    [InlineData("turn:[::1]", "::1", 3478, TurnTransportKind.Udp)]
    [InlineData("  turn:host:1  ", "host", 1, TurnTransportKind.Udp)]
    public void Parses_turn_urls(string url, string host, int port, TurnTransportKind transport)
    {
        Assert.True(TurnServerUrl.TryParse(url, out var parsed, out var error), error);
        Assert.Equal(new TurnServerUrl(host, port, transport), parsed);
    }

    [Theory]
    [InlineData("stun:stun.l.google.com:19302")] // ICE's job, not TURN's
    [InlineData("stuns:stun.example.org")]
    [InlineData("turns:turn.example.org?transport=udp")] // DTLS to the server: not supported
    [InlineData("turn:host:3478?transport=sctp")]
    [InlineData("turn:host:3478?foo=bar")]
    [InlineData("turn:host:0")]
    [InlineData("turn:host:65536")]
    [InlineData("turn:host:-1")]
    [InlineData("turn:host:port")]
    [InlineData("turn:host:")]
    [InlineData("turn::3478")]
    [InlineData("turn:")]
    [InlineData("turn:[::1")]
    [InlineData("turn:[::1]x")]
    [InlineData("turn:user@host")]
    [InlineData("turn:host/path")]
    [InlineData("http://host")]
    [InlineData("")]
    [InlineData(null)]
    public void Rejects_what_is_not_a_usable_turn_url(string? url)
    {
        Assert.False(TurnServerUrl.TryParse(url, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("turn:h", "turn:h:3478?transport=udp")]
    [InlineData("turn:h:1?transport=tcp", "turn:h:1?transport=tcp")]
    [InlineData("turns:h", "turns:h:5349?transport=tcp")]
    [InlineData("turn:[::1]:9", "turn:[::1]:9?transport=udp")]
    public void Prints_a_canonical_url_that_parses_back(string url, string canonical)
    {
        var parsed = TurnServerUrl.Parse(url);
        Assert.Equal(canonical, parsed.ToString());
        Assert.Equal(parsed, TurnServerUrl.Parse(parsed.ToString()));
    }

    [Fact]
    public void Parse_throws_FormatException_for_configuration_errors() =>
        Assert.Throws<FormatException>(() => TurnServerUrl.Parse("turn:host:99999"));
}
