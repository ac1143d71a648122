using CallBot.Delivery;
using CallBot.Media;
using CallBot.Media.Clips;
using CallBot.Recording;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Cloud;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CallBot.Worker;

/// <summary>Builds the generic host that runs the bot fleet: configuration, options, telemetry, health.</summary>
public static class CallBotHost
{
    /// <summary>
    /// Configuration precedence (last wins): appsettings.json, the <paramref name="configFile"/>, environment
    /// (<c>CallBot__Chat__Endpoint</c>), command-line overrides (<c>--CallBot:Chat:Endpoint=…</c>).
    /// </summary>
    /// <param name="settings">Keys that override every other source (command options); read before any service is
    /// registered, so the ones registration depends on (the telemetry exporters) take effect too.</param>
    public static HostApplicationBuilder CreateBuilder(string[] args, string? configFile = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(args);
        }

        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        // Below every source, so each key the preset fills is still overridable (CliHost re-applies it after its own keys).
        Cloud.CloudPresets.Apply(builder.Configuration, builder.Configuration);
        builder.Services.AddCallBotOptions(builder.Configuration);
        builder.Services.AddCallBotCloud();
        builder.Services.AddIceRestartResilience();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallBotTelemetry>();
        builder.Services.AddCallBotMedia();
        builder.Services.Configure<ClipCacheOptions>(o => ConfigureClipCache(o, builder.Configuration.GetSection(MediaOptions.Section)));
        builder.Services.AddSingleton<BotMediaProvider>();
        builder.Services.AddSingleton(sp => new RecordingMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddRecordingDelivery(builder.Configuration); // CallBot:Upload, CallBot:Webhooks; idle when both are off
        builder.Services.AddSingleton<CallBotRuntime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue(
            $"{TelemetryOptions.Section}:ShutdownTimeout", TimeSpan.FromSeconds(15)));
        AddOpenTelemetry(builder);
        return builder;
    }

    /// <summary>The service (<c>callbot run</c>): every configured bot, plus the health endpoints.</summary>
    public static HostApplicationBuilder AddBotFleet(this HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<BotFleetService>();
        builder.Services.AddSingleton<IReadinessProbe>(sp => sp.GetRequiredService<BotFleetService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BotFleetService>());
        builder.Services.AddHostedService<HealthEndpoint>();
        return builder;
    }

    /// <summary>Clips on disk by default (a warm start loads instead of encoding), under the user's cache directory, bounded.</summary>
    private static void ConfigureClipCache(ClipCacheOptions cache, IConfiguration media)
    {
        var defaults = new MediaOptions();
        var directory = media.GetValue<string?>(nameof(MediaOptions.CacheDirectory));
        cache.DiskDirectory = !media.GetValue(nameof(MediaOptions.DiskCache), defaults.DiskCache)
            ? null
            : directory is { Length: > 0 } ? directory : ClipCacheOptions.DefaultDirectory();
        cache.MaxDiskBytes = media.GetValue(nameof(MediaOptions.CacheMaxMegabytes), defaults.CacheMaxMegabytes) * 1024L * 1024L;
        cache.KeyFrameRenditions = media.GetValue(nameof(MediaOptions.KeyFrameRenditions), defaults.KeyFrameRenditions);
    }

    private static void AddOpenTelemetry(HostApplicationBuilder builder)
    {
        var telemetry = new TelemetryOptions();
        builder.Configuration.GetSection(TelemetryOptions.Section).Bind(telemetry);
        if (string.IsNullOrEmpty(telemetry.OtlpEndpoint) && string.IsNullOrEmpty(telemetry.PrometheusPrefix) && !telemetry.Console)
        {
            // No exporter: the SDK would collect for no one. Not building its providers keeps their assembly loads
            // and start-up off the path to online; the meters still exist and in-process listeners (tests,
            // dotnet-counters) still see them.
            return;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("callbot"));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(CallBotTelemetry.Name, "Polly");
            if (!string.IsNullOrEmpty(telemetry.OtlpEndpoint))
            {
                metrics.AddOtlpExporter(o => o.Endpoint = new Uri(telemetry.OtlpEndpoint));
            }

            if (!string.IsNullOrEmpty(telemetry.PrometheusPrefix))
            {
                var scrape = new Uri(telemetry.PrometheusPrefix);
                metrics.AddPrometheusHttpListener(o =>
                {
                    // 0.0.0.0 means every interface (a container's scrape target); HttpListener spells that "*" (a
                    // prefix on 0.0.0.0 would only answer requests whose Host header is literally 0.0.0.0).
                    o.Host = scrape.Host == "0.0.0.0" ? "*" : scrape.Host;
                    o.Port = scrape.Port;
                    o.ScrapeEndpointPath = "/metrics";
                });
            }

            if (telemetry.Console)
            {
                metrics.AddConsoleExporter();
            }
        });
        otel.WithTracing(tracing =>
        {
            tracing.AddSource(CallBotTelemetry.Name);
            if (!string.IsNullOrEmpty(telemetry.OtlpEndpoint))
            {
                tracing.AddOtlpExporter(o => o.Endpoint = new Uri(telemetry.OtlpEndpoint));
            }
        });
    }
}
