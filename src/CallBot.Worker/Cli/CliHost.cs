using CallBot.Worker.Bots;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CallBot.Worker.Cli;

/// <summary>
/// The host behind <c>demo</c>, <c>call</c> and <c>answer</c>: the same configuration model and validation as the service
/// (command options become configuration keys), logs at Warning and above to stderr, no health endpoint.
/// </summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly IHost _host;

    private CliHost(IHost host)
    {
        _host = host;
        Runtime = host.Services.GetRequiredService<CallBotRuntime>();
    }

    public CallBotRuntime Runtime { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Builds and starts the host; throws <see cref="OptionsValidationException"/> naming the bad key.</summary>
    public static async Task<CliHost> StartAsync(IReadOnlyDictionary<string, string?> settings, string? configFile, LogLevel logLevel, CancellationToken cancellationToken)
    {
        // The command's keys go in before services are registered: the telemetry exporters (e.g. `load --prometheus`) read them there.
        var values = new Dictionary<string, string?>(settings) { ["CallBot:Telemetry:HealthPrefix"] = string.Empty };
        var builder = CallBotHost.CreateBuilder([], configFile, values);
        Cloud.CloudPresets.Apply(builder.Configuration, builder.Configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(logLevel);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new CliHost(host);
    }

    /// <summary>
    /// <see cref="StartAsync"/> for a command: a configuration the options validation rejects is written to the user
    /// (every failure, one a line) and answered with null, so each command exits 2 the same way.
    /// </summary>
    public static async Task<CliHost?> TryStartAsync(IReadOnlyDictionary<string, string?> settings, string? configFile, CliOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            return await StartAsync(settings, configFile, LogLevel.Warning, cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            output.Error(string.Join(Environment.NewLine, ex.Failures));
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
