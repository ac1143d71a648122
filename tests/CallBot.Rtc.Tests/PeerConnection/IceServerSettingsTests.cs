using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Turn;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>The SDK-shaped <c>iceServers</c>: strict URL parsing, validation messages and the mapping into IceOptions.</summary>
public sealed class IceServerSettingsTests
{
    [Theory]
    [InlineData("stun:127.0.0.1", "127.0.0.1", 3478, null)]
    [InlineData("stun:127.0.0.1:19302", "127.0.0.1", 19302, null)]
    [InlineData("STUN:[::1]:3479", "::1", 3479, null)]
    [InlineData("stun:stun.example.org", "stun.example.org", 3478, null)]
    [InlineData("turn:127.0.0.1:3478?transport=udp", "127.0.0.1", 3478, TurnTransportKind.Udp)]
    [InlineData("turn:turn.example.org", "turn.example.org", 3478, TurnTransportKind.Udp)]
    [InlineData("turn:127.0.0.1:443?transport=tcp", "127.0.0.1", 443, TurnTransportKind.Tcp)]
    [InlineData("turns:turn.example.org", "turn.example.org", 5349, TurnTransportKind.Tls)]
    [InlineData("turns:127.0.0.1:5350?transport=tcp", "127.0.0.1", 5350, TurnTransportKind.Tls)]
    public void Valid_urls_parse_to_host_port_and_transport(string text, string host, int port, TurnTransportKind? transport)
    {
        Assert.True(IceServerUrl.TryParse(text, out var url, out var error), error);
        Assert.Equal(host, url!.Host);
        Assert.Equal(port, url.Port);
        Assert.Equal(transport, url.Turn?.Transport);
        Assert.Equal(transport is not null, url.IsTurn);
    }

    [Theory]
    [InlineData("", "empty URL")]
    [InlineData("http://turn.example.org", "unknown scheme")]
    [InlineData("turn//127.0.0.1", "unknown scheme")]
    [InlineData("stuns:127.0.0.1", "stuns:")]
    [InlineData("stun:127.0.0.1?transport=udp", "no query")]
    [InlineData("stun:127.0.0.1:0", "bad port")]
    [InlineData("stun:127.0.0.1:70000", "bad port")]
    [InlineData("turn:127.0.0.1:3478?transport=sctp", "udp or tcp")]
    [InlineData("turns:127.0.0.1?transport=udp", "DTLS")]
    [InlineData("turn:", "missing host")]
    [InlineData("turn:[::1", "IPv6")]
    public void Bad_urls_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(IceServerUrl.TryParse(text, out var url, out var error));
        Assert.Null(url);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_names_the_key_of_each_bad_url_and_never_the_secrets()
    {
        IceServerConfig[] servers =
        [
            new(["stun:127.0.0.1"]),
            new(["turn:127.0.0.1:3478", "ftp://127.0.0.1"], "alice", "s3cret-credential"),
            new(["turn:bob:hunter2@127.0.0.1"], "bob", "another-secret"),
            new(["turns:127.0.0.1"]),
            new([]),
        ];

        var problems = IceServerSettings.Validate(servers, IceTransportPolicy.All);

        Assert.Equal(
            ["IceServers:1:Urls:1", "IceServers:2:Urls:0", "IceServers:3:Urls:0", "IceServers:4:Urls"],
            problems.Select(p => p.Key));
        Assert.Contains("'ftp://127.0.0.1'", problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("'turn:***@127.0.0.1'", problems[1].Message, StringComparison.Ordinal);
        Assert.Contains("needs Username and Credential", problems[2].Message, StringComparison.Ordinal);
        var all = string.Join("\n", problems);
        foreach (var secret in new[] { "s3cret-credential", "hunter2", "another-secret", "alice" })
        {
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Relay_policy_without_a_turn_server_is_refused_and_the_constructor_says_why()
    {
        var problems = IceServerSettings.Validate([new IceServerConfig(["stun:127.0.0.1"])], IceTransportPolicy.Relay);
        var problem = Assert.Single(problems);
        Assert.Equal(IceServerSettings.TransportPolicyKey, problem.Key);

        var options = new PeerConnectionOptions { IceTransportPolicy = IceTransportPolicy.Relay };
        var thrown = Assert.Throws<ArgumentException>(() => PeerHarness.Create(options));
        Assert.Contains("IceTransportPolicy: relay-only needs at least one turn:", thrown.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PeerHarness.Create(new PeerConnectionOptions { IceServers = [new(["turn:x:1:2"], "u", "p")] }));
        Assert.Empty(IceServerSettings.Validate([new IceServerConfig(["turn:127.0.0.1"], "u", "p")], IceTransportPolicy.Relay));
    }

    [Fact]
    public void RelayOnly_is_the_relay_transport_policy()
    {
        Assert.Equal(IceTransportPolicy.Relay, new PeerConnectionOptions { RelayOnly = true }.IceTransportPolicy);
        Assert.True(new PeerConnectionOptions { IceTransportPolicy = IceTransportPolicy.Relay }.RelayOnly);
        Assert.Equal(IceTransportPolicy.All, new PeerConnectionOptions().IceTransportPolicy);
    }

    [Fact]
    public void Apply_maps_stun_to_endpoints_and_turn_to_clients_with_the_entry_credentials()
    {
        var options = new IceOptions();
        IceServerConfig[] servers =
        [
            new(["stun:127.0.0.1:3479", "stun:[::1]", "stun:localhost:4000"]),
            new(["turn:127.0.0.1:3478?transport=tcp", "turns:localhost:5349"], "user", "pass"),
        ];

        IceServerSettings.Apply(options, servers, trustedTurnRoot: null, NullLogger.Instance);

        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3479), options.StunServers[0]);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 3478), options.StunServers[1]);
        Assert.True(IPAddress.IsLoopback(options.StunServers[2].Address));
        Assert.Equal(4000, options.StunServers[2].Port);
        Assert.Equal(2, options.TurnServers.Count);
        Assert.Equal(TurnTransportKind.Tcp, options.TurnServers[0].Server.Transport);
        Assert.Equal(TurnTransportKind.Tls, options.TurnServers[1].Server.Transport);
        Assert.Equal("localhost", options.TurnServers[1].Server.Host);
        Assert.All(options.TurnServers, t => Assert.Equal(("user", "pass"), (t.Username, t.Password)));
    }

    [Theory]
    [InlineData("turn:user:pw@host:3478", "turn:***@host:3478")]
    [InlineData("turn:host:3478", "turn:host:3478")]
    [InlineData("user@host", "***@host")]
    public void Redact_hides_anything_before_an_at_sign(string url, string expected) =>
        Assert.Equal(expected, IceServerUrl.Redact(url));
}
