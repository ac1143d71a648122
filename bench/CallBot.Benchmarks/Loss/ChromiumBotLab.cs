using System.Globalization;
using CallBot.Benchmarks.Setup;
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

namespace CallBot.Benchmarks.Loss;

/// <summary>The media direction a lab call measures.</summary>
internal enum LabPath
{
    ChromiumToChromium,
    BotToChromium,
    ChromiumToBot,
}

/// <summary>How the lab's bot and pages are set up: the bot's configuration on top of the lab's, and the pages' fake camera.</summary>
internal sealed record LabSettings
{
    /// <summary><c>CallBot:Media:Stages</c> of the bot's calls, comma-separated; null = the default stages.</summary>
    public string? Stages { get; init; }

    /// <summary>Further bot configuration (e.g. <c>CallBot:Media:Renditions</c>), applied over the lab's own.</summary>
    public IReadOnlyDictionary<string, string?> Bot { get; init; } = new Dictionary<string, string?>();

    /// <summary>getUserMedia constraints of the pages' fake camera.</summary>
    public IReadOnlyDictionary<string, int> VideoConstraints { get; init; } = new Dictionary<string, int>
    {
        ["width"] = 640,
        ["height"] = 360,
        ["frameRate"] = 30,
    };
}

/// <summary>
/// The parties of a benchmark that measures calls between the real ConnectyCube SDK in headless Chromium and a bot through
/// a <see cref="UdpImpairmentRelay"/> (<c>loss-table</c>, <c>bandwidth-step</c>): Prosody, the worker host with one bot,
/// Chromium with a caller and a callee page logged in. <see cref="CallAsync"/> sets up one call on a <see cref="LabPath"/>
/// whose measured direction — the caller's video at the callee — crosses the relay from side A to side B: the pages route
/// their candidates to the relay (the bot is untouched and learns the relay's port from the page's candidates).
/// </summary>
internal sealed class ChromiumBotLab : IAsyncDisposable
{
    private const int AppId = 1;
    private const string BotPassword = "bench-secret";
    private const int BotId = 3002; // the setup benchmarks' bot: a machine that ran them has its clips cached
    private const int CallerPageId = 4201;
    private const int CalleePageId = 4202;

    private readonly ProsodyFixture _prosody;
    private readonly IHost _host;
    private readonly List<IAsyncDisposable> _owned = [];

    private ChromiumBotLab(ProsodyFixture prosody, IHost host)
    {
        _prosody = prosody;
        _host = host;
    }

    /// <summary>Longest a clip encode may take: the default 2 min is too short for a 720p ladder on a loaded 2-core machine.</summary>
    private static readonly TimeSpan ClipEncodeTimeout = TimeSpan.FromMinutes(20);

    /// <summary>Longest wait of one setup step (ringing, answer, first frame, end).</summary>
    public static TimeSpan StepTimeout { get; } = TimeSpan.FromSeconds(30);

    public BotAgent Bot { get; private set; } = null!;

    public BotCallTimes BotTimes { get; private set; } = null!;

    public ConnectyCubeBrowserClient Caller { get; private set; } = null!;

    public ConnectyCubeBrowserClient Callee { get; private set; } = null!;

    public static async Task<ChromiumBotLab> StartAsync(LabSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prosody = new ProsodyFixture();
        ChromiumBotLab? lab = null;
        try
        {
            await prosody.InitializeAsync();
            await prosody.RegisterUserAsync(BotId, AppId, BotPassword);
            lab = new ChromiumBotLab(prosody, BuildHost(prosody, settings));
            await lab._host.StartAsync();
            var runtime = lab._host.Services.GetRequiredService<CallBotRuntime>();
            lab.Bot = lab.Own(await runtime.StartBotAsync(new BotOptions { UserId = BotId, Password = BotPassword }, CancellationToken.None));
            lab.BotTimes = new BotCallTimes(lab.Bot);
            var chromium = lab.Own(new ChromiumFixture());
            await chromium.InitializeAsync();
            var sdkOptions = new ConnectyCubeSdkOptions { SdkDebugLog = false, Timeout = StepTimeout, VideoConstraints = settings.VideoConstraints };
            var sdk = lab.Own(new ConnectyCubeSdkHarness(chromium, prosody, sdkOptions));
            lab.Caller = await sdk.LoginAsync(CallerPageId);
            lab.Callee = await sdk.LoginAsync(CalleePageId);
            return lab;
        }
        catch
        {
            if (lab is not null)
            {
                await lab.DisposeAsync();
            }
            else
            {
                await prosody.DisposeAsync();
            }

            throw;
        }
    }

    public static LabPath ParsePath(string name) => name switch
    {
        "chromium-chromium" => LabPath.ChromiumToChromium,
        "bot-chromium" => LabPath.BotToChromium,
        "chromium-bot" => LabPath.ChromiumToBot,
        _ => throw new ArgumentException($"unknown path '{name}' (chromium-chromium, bot-chromium, chromium-bot)"),
    };

    public static string Describe(LabPath path) => path switch
    {
        LabPath.ChromiumToChromium => "Chromium → Chromium",
        LabPath.BotToChromium => "bot → Chromium",
        _ => "Chromium → bot",
    };

    /// <summary>
    /// Sets up a video call on <paramref name="path"/> through <paramref name="relay"/> (the sender is side A) and returns
    /// once the receiver decoded its first frame. <paramref name="length"/> is how long the caller may keep it up.
    /// </summary>
    public async Task<LabCall> CallAsync(LabPath path, UdpImpairmentRelay relay, TimeSpan length)
    {
        ArgumentNullException.ThrowIfNull(relay);
        if (path != LabPath.ChromiumToChromium)
        {
            // The bot encodes its clips once at start (minutes for 720p on a busy machine); a call waits for them.
            await Bot.MediaReady.WaitAsync(ClipEncodeTimeout);
        }

        int toSender = relay.EndpointA.Port;
        int toReceiver = relay.EndpointB.Port;
        switch (path)
        {
            case LabPath.ChromiumToChromium:
            {
                await Caller.RouteCandidatesAsync(toSender, toReceiver);
                await Callee.RouteCandidatesAsync(toReceiver, toSender);
                var id = await Caller.CallAsync([Callee.UserId]);
                var call = new LabCall(id)
                {
                    SenderStats = () => Caller.GetStatsAsync(Callee.UserId, id),
                    ReceiverStats = () => Callee.GetStatsAsync(Caller.UserId, id),
                    End = async () =>
                    {
                        await Caller.HangUpAsync(id);
                        await Callee.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == id, StepTimeout);
                        return null;
                    },
                };
                return await StartedAsync(call, async () =>
                {
                    await Callee.WaitForIncomingCallAsync(StepTimeout);
                    await Callee.AcceptAsync(id);
                    await Callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, StepTimeout);
                });
            }

            case LabPath.BotToChromium:
            {
                await Callee.RouteCandidatesAsync(toReceiver, toSender);
                var placed = Bot.PlaceCallAsync([Callee.UserId], CallType.Video, TimeSpan.FromMinutes(2) + length);
                var incoming = await Callee.WaitForIncomingCallAsync(StepTimeout);
                var id = incoming.SessionId!;
                var call = new LabCall(id)
                {
                    ReceiverStats = () => Callee.GetStatsAsync(Bot.UserId, id),
                    End = async () =>
                    {
                        await Callee.HangUpAsync(id);
                        var summary = await BotTimes.EndedAsync(id, StepTimeout);
                        await placed.WaitAsync(StepTimeout);
                        return summary;
                    },
                };
                return await StartedAsync(call, async () =>
                {
                    await Callee.AcceptAsync(id);
                    await Callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, StepTimeout);
                });
            }

            default:
            {
                await Caller.RouteCandidatesAsync(toSender, toReceiver);
                var id = await Caller.CallAsync([Bot.UserId]);
                var call = new LabCall(id)
                {
                    SenderStats = () => Caller.GetStatsAsync(Bot.UserId, id),
                    End = async () =>
                    {
                        await Caller.HangUpAsync(id);
                        return await BotTimes.EndedAsync(id, StepTimeout);
                    },
                };
                return await StartedAsync(call, () => BotTimes.FirstFrameAsync(id, StepTimeout));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        await _host.StopAsync();
        _host.Dispose();
        await _prosody.DisposeAsync();
    }

    /// <summary>The machine's load average (1, 5, 15 min) for a report's header: figures measured under load say so.</summary>
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

    /// <summary>Waits for <paramref name="established"/>; when it fails, the call is hung up before the error goes on.</summary>
    private static async Task<LabCall> StartedAsync(LabCall call, Func<Task> established)
    {
        try
        {
            await established();
            return call;
        }
        catch
        {
            try
            {
                await call.EndAsync();
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or Microsoft.Playwright.PlaywrightException)
            {
                // The call never came up: there may be nothing to hang up or to wait for; the first error is the one to report.
            }

            throw;
        }
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private static IHost BuildHost(ProsodyFixture prosody, LabSettings lab)
    {
        var builder = CallBotHost.CreateBuilder([]);
        var settings = new Dictionary<string, string?>
        {
            ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
            ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
            ["CallBot:Chat:AppId"] = AppId.ToString(CultureInfo.InvariantCulture),
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
            ["CallBot:Media:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
            ["CallBot:Recording:Enabled"] = "false",
            ["CallBot:Telemetry:HealthPrefix"] = string.Empty,
        };
        if (lab.Stages is not null)
        {
            var names = lab.Stages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            for (var i = 0; i < names.Length; i++)
            {
                settings[$"{MediaOptions.Section}:Stages:{i.ToString(CultureInfo.InvariantCulture)}"] = names[i];
            }
        }

        foreach (var (key, value) in lab.Bot)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<FfmpegOptions>(o => o.RunTimeout = ClipEncodeTimeout);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder.Build();
    }
}

/// <summary>One call set up by <see cref="ChromiumBotLab.CallAsync"/>: the stats of its Chromium ends and how to end it.</summary>
internal sealed class LabCall(string sessionId)
{
    public string SessionId { get; } = sessionId;

    /// <summary>The Chromium sender's getStats toward the receiver; null when the bot sends.</summary>
    public Func<Task<SdkPeerStats>>? SenderStats { get; init; }

    /// <summary>The Chromium receiver's getStats toward the sender; null when the bot receives.</summary>
    public Func<Task<SdkPeerStats>>? ReceiverStats { get; init; }

    public required Func<Task<CallSummary?>> End { get; init; }

    /// <summary>Hangs up and waits until both ends closed; the bot's summary of the call when the bot took part.</summary>
    public Task<CallSummary?> EndAsync() => End();
}
