using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Tests;

/// <summary><c>IceServers:N:Urls</c> as a list, as one string (the SDK's <c>urls: string</c>), or <c>IceServers:N:Url</c>.</summary>
public sealed class IceServerUrlFormsTests
{
    [Fact]
    public void Urls_as_a_list_and_url_as_one_string_both_reach_the_peer_connection()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["CallBot:VideoChat:IceServers:0:Url"] = "stun:127.0.0.1:3478",
            ["CallBot:VideoChat:IceServers:1:Urls:0"] = "turn:127.0.0.1:3478?transport=udp",
            ["CallBot:VideoChat:IceServers:1:Urls:1"] = "turns:127.0.0.1:5349",
            ["CallBot:VideoChat:IceServers:1:Username"] = "u",
            ["CallBot:VideoChat:IceServers:1:Credential"] = "c",
        });

        var pc = CallBotRuntime.PeerConnectionOptionsFor(options, loopbackOnly: false);

        Assert.Equal(2, pc.IceServers.Count);
        Assert.Equal(["stun:127.0.0.1:3478"], pc.IceServers[0].Urls);
        Assert.Equal(["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"], pc.IceServers[1].Urls);
    }

    [Fact]
    public async Task Urls_written_as_one_string_does_not_bind_silently_but_fails_start_naming_its_key()
    {
        using var host = CallBotHost.CreateBuilder(
        [
            "--CallBot:Telemetry:HealthPrefix=",
            "--CallBot:VideoChat:IceServers:0:Urls=stun:127.0.0.1",
        ]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("CallBot:VideoChat:IceServers:0:Urls: ", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_single_url_fails_start_naming_its_key()
    {
        using var host = CallBotHost.CreateBuilder(
        [
            "--CallBot:Telemetry:HealthPrefix=",
            "--CallBot:VideoChat:IceServers:0:Url=ftp://127.0.0.1",
        ]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("CallBot:VideoChat:IceServers:0:Urls:0: ", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    private static VideoChatOptions Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var options = new VideoChatOptions();
        configuration.GetSection(VideoChatOptions.Section).Bind(options);
        return options;
    }
}
