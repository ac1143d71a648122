using CallBot.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Tests;

public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("--CallBot:Chat:Endpoint=http://chat.example", "CallBot:Chat:Endpoint")]
    [InlineData("--CallBot:Chat:Endpoint=tcp://chat.example", "CallBot:Chat:Endpoint")]
    [InlineData("--CallBot:Chat:AppId=0", "CallBot:Chat:AppId")]
    [InlineData("--CallBot:VideoChat:DialingTimeInterval=90", "CallBot:VideoChat:DialingTimeInterval")]
    [InlineData("--CallBot:VideoChat:AlwaysRelayCalls=true", "CallBot:VideoChat:AlwaysRelayCalls")]
    [InlineData("--CallBot:Media:Source=File", "CallBot:Media:File")]
    [InlineData("--CallBot:Media:VideoCodec=AV1", "CallBot:Media:VideoCodec")]
    [InlineData("--CallBot:Bots:0:UserId=5", "CallBot:Bots:0:Password")]
    [InlineData("--CallBot:Recording:FileNameTemplate=../x.webm", "CallBot:Recording:FileNameTemplate")]
    [InlineData("--CallBot:Telemetry:HealthPrefix=ftp://x", "CallBot:Telemetry:HealthPrefix")]
    public async Task Bad_config_fails_at_start_naming_the_key(string argument, string key)
    {
        using var host = CallBotHost.CreateBuilder(["--CallBot:Telemetry:HealthPrefix=", argument]).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Defaults_are_valid()
    {
        using var host = CallBotHost.CreateBuilder(["--CallBot:Telemetry:HealthPrefix="]).Build();

        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
