using System.Net;
using CallBot.TestSupport;
using Microsoft.Extensions.Hosting;

namespace CallBot.Worker.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_answers_and_readyz_is_503_until_every_bot_is_online()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        using var host = CallBotHost.CreateBuilder([$"--CallBot:Telemetry:HealthPrefix=http://127.0.0.1:{port}/"]).AddBotFleet().Build();
        await host.StartAsync(ct);
        try
        {
            var health = await CallBotCli.Build().Parse(["health", "--url", $"http://127.0.0.1:{port}/healthz"]).InvokeAsync(cancellationToken: ct);
            using var http = new HttpClient();
            using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), ct);

            Assert.Equal(0, health);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("0/0 bots online", (await ready.Content.ReadAsStringAsync(ct)).Trim());
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }
}
