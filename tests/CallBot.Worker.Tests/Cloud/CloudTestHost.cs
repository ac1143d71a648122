using CallBot.TestSupport.Rest;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>The product's own DI wiring of the REST client (options, HttpClient factory, Polly pipeline) pointed at a recorder.</summary>
internal static class CloudTestHost
{
    public static ServiceProvider Create(string apiUrl, TimeProvider? time = null, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{CloudOptions.Section}:ApiEndpoint"] = apiUrl,
            [$"{CloudOptions.Section}:AuthKey"] = FakeCloudApi.AuthKey,
            [$"{ChatOptions.Section}:AppId"] = FakeCloudApi.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddCallBotOptions(configuration);
        services.AddSingleton<CallBotTelemetry>();
        services.AddCallBotCloud();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
