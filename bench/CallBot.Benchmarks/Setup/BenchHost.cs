using System.Globalization;
using CallBot.Media.Ffmpeg;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.TestSupport.Prosody;
using CallBot.Worker;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallBot.Benchmarks.Setup;

/// <summary>
/// What every benchmark that places real calls stands on (<c>setup</c>, <c>impaired-setup</c>, <c>loss-table</c>): a
/// private Prosody with the bots registered, the worker host on loopback candidates with one rendition, the shared clip
/// cache, no recording and no health listener (warnings only, to stderr, so stdout stays the report), and the headless
/// Chromium pages running the ConnectyCube SDK. Disposing it closes the pages, stops the host, then Prosody.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    public const int AppId = 1;
    public const string BotPassword = "bench-secret";

    /// <summary>Longest a clip encode may take: the default 2 min is too short for a 720p ladder on a loaded 2-core machine.</summary>
    public static readonly TimeSpan ClipEncodeTimeout = TimeSpan.FromMinutes(20);

    /// <summary>Generous: a step that takes this long is a failed call, not a slow one.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly ProsodyFixture _prosody;
    private readonly IHost _host;
    private ChromiumFixture? _chromium;
    private ConnectyCubeSdkHarness? _sdk;

    private BenchHost(ProsodyFixture prosody, IHost host)
    {
        _prosody = prosody;
        _host = host;
    }

    /// <summary>
    /// Starts Prosody, registers <paramref name="botIds"/> with <see cref="BotPassword"/>, then starts the host with the
    /// common settings overridden or extended by <paramref name="settings"/>.
    /// </summary>
    public static async Task<BenchHost> StartAsync(IReadOnlyList<int> botIds, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var prosody = new ProsodyFixture();
        IHost? host = null;
        try
        {
            await prosody.InitializeAsync();
            foreach (var id in botIds)
            {
                await prosody.RegisterUserAsync(id, AppId, BotPassword);
            }

            host = BuildHost(prosody, settings);
            await host.StartAsync();
            return new BenchHost(prosody, host);
        }
        catch
        {
            host?.Dispose();
            await prosody.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one of the registered bots; the caller disposes it (before this host).</summary>
    public Task<BotAgent> StartBotAsync(int userId, BotRole role = BotRole.Answer) => StartBotAsync(userId, role, decoratePeers: null);

    /// <summary>As <see cref="StartBotAsync(int, BotRole)"/>, the bot's peer connections built through <paramref name="decoratePeers"/>.</summary>
    public Task<BotAgent> StartBotAsync(int userId, BotRole role, Func<ICallPeerConnectionFactory, ICallPeerConnectionFactory>? decoratePeers) =>
        _host.Services.GetRequiredService<CallBotRuntime>()
            .StartBotAsync(new BotOptions { UserId = userId, Password = BotPassword, Role = role }, decoratePeers, CancellationToken.None);

    /// <summary>Launches Chromium and the SDK harness against this Prosody (once; closed with this host).</summary>
    public async Task<ConnectyCubeSdkHarness> OpenSdkAsync(ConnectyCubeSdkOptions options)
    {
        if (_sdk is not null)
        {
            throw new InvalidOperationException("The SDK harness is already open.");
        }

        // The fake camera runs at the rate the pages ask for: constraints cannot raise its default 20 fps.
        _chromium = ChromiumFixture.WithFakeCamera(options.VideoConstraints.TryGetValue("frameRate", out var fps) ? fps : null);
        await _chromium.InitializeAsync();
        _sdk = new ConnectyCubeSdkHarness(_chromium, _prosody, options);
        return _sdk;
    }

    /// <summary>
    /// A relay for one call with independent random <paramref name="loss"/> and one-way <paramref name="delay"/> in both
    /// directions; with <paramref name="jitter"/>, delay ± jitter that keeps the datagrams' order.
    /// </summary>
    public static UdpImpairmentRelay StartRelay(int seed, double loss, TimeSpan delay, TimeSpan? jitter = null)
    {
        var relay = UdpImpairmentRelay.Start(new UdpImpairmentRelayOptions { Seed = seed }, TimeProvider.System);
        foreach (var direction in new[] { relay.AToB, relay.BToA })
        {
            direction.LossRate = loss;
            direction.Delay = delay;
            if (jitter is { } j)
            {
                direction.Jitter = j;
                direction.JitterKeepsOrder = true;
            }
        }

        return relay;
    }

    /// <summary>What a failed call throws (a step timed out, the page or the bot refused): counted as a failure, not fatal.</summary>
    public static bool IsCallFailure(Exception ex) =>
        ex is TimeoutException or InvalidOperationException or Microsoft.Playwright.PlaywrightException;

    /// <summary>The machine's 1/5/15-minute load average, printed with every figure ("?" where /proc has none).</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sdk is not null)
        {
            await _sdk.DisposeAsync();
        }

        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
            await _prosody.DisposeAsync();
        }
    }

    private static IHost BuildHost(ProsodyFixture prosody, IReadOnlyDictionary<string, string?>? extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
            ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
            ["CallBot:Chat:AppId"] = AppId.ToString(CultureInfo.InvariantCulture),
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
            ["CallBot:Media:Renditions"] = "1",
            ["CallBot:Media:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
            ["CallBot:Recording:Enabled"] = "false",
            ["CallBot:Telemetry:HealthPrefix"] = string.Empty,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = CallBotHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<FfmpegOptions>(o => o.RunTimeout = ClipEncodeTimeout);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder.Build();
    }

    /// <summary>The <c>CallBot:Media:Stages</c> entries for a comma-separated stage list (null: the default stages).</summary>
    public static Dictionary<string, string?> StageSettings(string? stages)
    {
        var settings = new Dictionary<string, string?>();
        var names = stages?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        for (var i = 0; i < names.Length; i++)
        {
            settings[$"{MediaOptions.Section}:Stages:{i.ToString(CultureInfo.InvariantCulture)}"] = names[i];
        }

        return settings;
    }
}
