using CallBot.Rtc.Ice;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Tests;

/// <summary><c>CallBot:VideoChat:IceServers</c> and <c>AlwaysRelayCalls</c>: checked at start with the peer connection's parser, mapped to its options.</summary>
public sealed class IceServersOptionsTests
{
    [Theory]
    [InlineData("ftp://127.0.0.1", "CallBot:VideoChat:IceServers:0:Urls:0", "unknown scheme")]
    [InlineData("stun:127.0.0.1:99999", "CallBot:VideoChat:IceServers:0:Urls:0", "bad port")]
    [InlineData("turns:127.0.0.1?transport=udp", "CallBot:VideoChat:IceServers:0:Urls:0", "DTLS")]
    [InlineData("turn:relay-user:relay-password@127.0.0.1", "CallBot:VideoChat:IceServers:0:Urls:0", "turn:***@127.0.0.1")]
    public async Task A_bad_ice_server_url_fails_start_naming_its_key_without_secrets(string url, string key, string reason)
    {
        using var host = CallBotHost.CreateBuilder(
        [
            "--CallBot:Telemetry:HealthPrefix=",
            "--CallBot:VideoChat:IceServers:0:Urls:0=stun:127.0.0.1",
            "--CallBot:VideoChat:IceServers:0:Urls:1=turn:127.0.0.1:3478?transport=tcp",
            "--CallBot:VideoChat:IceServers:0:Username=relay-user",
            "--CallBot:VideoChat:IceServers:0:Credential=relay-password",
            "--CallBot:VideoChat:IceServers:0:Urls:0=" + url,
        ]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith(key + ": ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("relay-password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("relay-user", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_turn_url_without_credentials_and_relay_without_turn_fail_start()
    {
        using var host = CallBotHost.CreateBuilder(
        [
            "--CallBot:Telemetry:HealthPrefix=",
            "--CallBot:VideoChat:AlwaysRelayCalls=true",
            "--CallBot:VideoChat:IceServers:0:Urls:0=stun:127.0.0.1",
            "--CallBot:VideoChat:IceServers:1:Urls:0=turn:127.0.0.1",
        ]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.StartsWith("CallBot:VideoChat:IceServers:1:Urls:0: TURN server", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Failures, f => f.StartsWith("CallBot:VideoChat:AlwaysRelayCalls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relay_with_a_turn_server_starts_and_reaches_the_peer_connection_options()
    {
        string[] args =
        [
            "--CallBot:Telemetry:HealthPrefix=",
            "--CallBot:VideoChat:AlwaysRelayCalls=true",
            "--CallBot:VideoChat:IceServers:0:Urls:0=turns:127.0.0.1:5349",
            "--CallBot:VideoChat:IceServers:0:Urls:1=turn:127.0.0.1:3478?transport=udp",
            "--CallBot:VideoChat:IceServers:0:Username=u",
            "--CallBot:VideoChat:IceServers:0:Credential=c",
        ];
        using var host = CallBotHost.CreateBuilder(args).Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var videoChat = ((IServiceProvider)host.Services).GetService(typeof(IOptions<VideoChatOptions>)) as IOptions<VideoChatOptions>;
        await host.StopAsync(TestContext.Current.CancellationToken);

        var options = CallBotRuntime.PeerConnectionOptionsFor(videoChat!.Value, loopbackOnly: false);
        Assert.Equal(IceTransportPolicy.Relay, options.IceTransportPolicy);
        var server = Assert.Single(options.IceServers);
        Assert.Equal(["turns:127.0.0.1:5349", "turn:127.0.0.1:3478?transport=udp"], server.Urls);
        Assert.Equal(("u", "c"), (server.Username, server.Credential));
    }
}
