using System.Net;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CallBot.Worker.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_answers_and_readyz_is_503_when_no_bot_is_configured()
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

    [Fact]
    public async Task Readyz_is_200_naming_every_bot_once_the_configured_bots_are_online()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort.Tcp();
        using var host = CallBotHost.CreateBuilder(
        [
            $"--CallBot:Telemetry:HealthPrefix=http://127.0.0.1:{port}/",
            "--CallBot:Media:Source=Echo", // no clip to encode: only readiness is the subject
            "--CallBot:Bots:0:UserId=7101", "--CallBot:Bots:0:Password=p",
            "--CallBot:Bots:1:UserId=7102", "--CallBot:Bots:1:Password=p",
        ]).AddBotFleet().Build();
        await host.StartAsync(ct);
        try
        {
            var fleet = host.Services.GetRequiredService<BotFleetService>();
            await fleet.Started.WaitAsync(TimeSpan.FromSeconds(30), ct); // the embedded loopback chat: both log in at once
            using var http = new HttpClient();
            using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"), ct);

            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Equal("2/2 bots online", (await ready.Content.ReadAsStringAsync(ct)).Trim());
            Assert.All(fleet.Agents, a => Assert.True(a.IsOnline));
        }
        finally
        {
            await host.StopAsync(ct);
        }
    }
}
