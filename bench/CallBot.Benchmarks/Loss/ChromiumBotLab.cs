using System.Net;
using CallBot.Benchmarks.Setup;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Benchmarks.Loss;

/// <summary>The media direction a lab call measures.</summary>
internal enum LabPath
{
    ChromiumToChromium,
    BotToChromium,
    ChromiumToBot,
    BotToBot,
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
/// The parties of a benchmark that measures calls between the real ConnectyCube SDK in headless Chromium and bots through
/// a <see cref="UdpImpairmentRelay"/> (<c>loss-table</c>, <c>bandwidth-step</c>), on a <see cref="BenchHost"/>: one bot,
/// Chromium with a caller and a callee page logged in, and (on first use of <see cref="LabPath.BotToBot"/>) two more bots.
/// <see cref="CallAsync"/> sets up one call on a <see cref="LabPath"/> whose measured direction — the caller's video at the
/// callee — crosses the relay from side A to side B: the pages route their candidates to the relay (the bot is untouched
/// and learns the relay's port from the page's candidates); the bot pair announces the call's relay ports instead of
/// their sockets (<see cref="RelayAdvertisingPeerConnectionFactory"/>).
/// </summary>
internal sealed class ChromiumBotLab : IAsyncDisposable
{
    private const int BotId = 3002; // the setup benchmarks' bot: a machine that ran them has its clips cached
    private const int CallerBotId = 3003; // bot → bot: the caller, the relay's side A
    private const int CalleeBotId = 3004; // bot → bot: the callee, side B
    private const int CallerPageId = 4201;
    private const int CalleePageId = 4202;

    private readonly BenchHost _bench;
    private readonly List<IAsyncDisposable> _owned = [];
    private (BotAgent Caller, BotAgent Callee, BotCallTimes CalleeTimes)? _pair;
    private UdpImpairmentRelay? _relay; // the relay of the call in progress, which the bot pair announces

    private ChromiumBotLab(BenchHost bench)
    {
        _bench = bench;
    }

    /// <summary>Longest wait of one setup step (ringing, answer, first frame, end).</summary>
    public static TimeSpan StepTimeout => BenchHost.StepTimeout;

    public BotAgent Bot { get; private set; } = null!;

    public BotCallTimes BotTimes { get; private set; } = null!;

    public ConnectyCubeBrowserClient Caller { get; private set; } = null!;

    public ConnectyCubeBrowserClient Callee { get; private set; } = null!;

    public static async Task<ChromiumBotLab> StartAsync(LabSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var configuration = BenchHost.StageSettings(settings.Stages);
        foreach (var (key, value) in settings.Bot)
        {
            configuration[key] = value;
        }

        var lab = new ChromiumBotLab(await BenchHost.StartAsync([BotId, CallerBotId, CalleeBotId], configuration));
        try
        {
            lab.Bot = lab.Own(await lab._bench.StartBotAsync(BotId));
            lab.BotTimes = new BotCallTimes(lab.Bot);
            var sdk = await lab._bench.OpenSdkAsync(new ConnectyCubeSdkOptions { SdkDebugLog = false, Timeout = StepTimeout, VideoConstraints = settings.VideoConstraints });
            lab.Caller = await sdk.LoginAsync(CallerPageId);
            lab.Callee = await sdk.LoginAsync(CalleePageId);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public static LabPath ParsePath(string name) => name switch
    {
        "chromium-chromium" => LabPath.ChromiumToChromium,
        "bot-chromium" => LabPath.BotToChromium,
        "chromium-bot" => LabPath.ChromiumToBot,
        "bot-bot" => LabPath.BotToBot,
        _ => throw new ArgumentException($"unknown path '{name}' (chromium-chromium, bot-chromium, chromium-bot, bot-bot)"),
    };

    public static string Describe(LabPath path) => path switch
    {
        LabPath.ChromiumToChromium => "Chromium → Chromium",
        LabPath.BotToChromium => "bot → Chromium",
        LabPath.BotToBot => "bot → bot",
        _ => "Chromium → bot",
    };

    /// <summary>
    /// Sets up a video call on <paramref name="path"/> through <paramref name="relay"/> (the sender is side A) and returns
    /// once the receiver decoded its first frame. <paramref name="length"/> is how long the caller may keep it up.
    /// </summary>
    public async Task<LabCall> CallAsync(LabPath path, UdpImpairmentRelay relay, TimeSpan length)
    {
        ArgumentNullException.ThrowIfNull(relay);
        if (path == LabPath.BotToBot)
        {
            return await BotToBotAsync(relay, length);
        }

        if (path != LabPath.ChromiumToChromium)
        {
            // The bot encodes its clips once at start (minutes for 720p on a busy machine); a call waits for them.
            await Bot.MediaReady.WaitAsync(BenchHost.ClipEncodeTimeout);
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
                        return new LabEnd(null, null);
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
                        return new LabEnd(summary, null);
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
                        return new LabEnd(await BotTimes.EndedAsync(id, StepTimeout), null);
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

        await _bench.DisposeAsync();
    }

    /// <summary>
    /// The bot pair's call: the caller keeps it up <paramref name="length"/> from its first remote frame, then hangs up;
    /// the call is up once the callee decoded a frame. Ending waits for both bots' summaries.
    /// </summary>
    private async Task<LabCall> BotToBotAsync(UdpImpairmentRelay relay, TimeSpan length)
    {
        var (caller, callee, calleeTimes) = await BotPairAsync();
        await caller.MediaReady.WaitAsync(BenchHost.ClipEncodeTimeout);
        await callee.MediaReady.WaitAsync(BenchHost.ClipEncodeTimeout);
        _relay = relay;
        var accepted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAccepted(object? sender, string sessionId) => accepted.TrySetResult(sessionId);
        callee.CallAccepted += OnAccepted;
        Task<CallSummary> placed;
        string id;
        try
        {
            placed = caller.PlaceCallAsync([callee.UserId], CallType.Video, length, timeFromMedia: true);
            id = await accepted.Task.WaitAsync(StepTimeout);
        }
        finally
        {
            callee.CallAccepted -= OnAccepted;
        }

        var call = new LabCall(id)
        {
            End = async () =>
            {
                var sent = await placed.WaitAsync(length + StepTimeout + StepTimeout);
                return new LabEnd(await calleeTimes.EndedAsync(id, StepTimeout), sent);
            },
        };
        return await StartedAsync(call, () => calleeTimes.FirstFrameAsync(id, StepTimeout));
    }

    /// <summary>The two bots of <see cref="LabPath.BotToBot"/>, started on first use (each encodes its own clip).</summary>
    private async Task<(BotAgent Caller, BotAgent Callee, BotCallTimes CalleeTimes)> BotPairAsync()
    {
        if (_pair is { } pair)
        {
            return pair;
        }

        IPEndPoint Announced(Func<UdpImpairmentRelay, IPEndPoint> port) => port(_relay ?? throw new InvalidOperationException("no relay for this call"));
        var caller = Own(await _bench.StartBotAsync(CallerBotId, BotRole.Answer, peers => new RelayAdvertisingPeerConnectionFactory(peers, () => Announced(r => r.EndpointB))));
        var callee = Own(await _bench.StartBotAsync(CalleeBotId, BotRole.Answer, peers => new RelayAdvertisingPeerConnectionFactory(peers, () => Announced(r => r.EndpointA))));
        _pair = (caller, callee, new BotCallTimes(callee));
        return _pair.Value;
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
            catch (Exception ex) when (BenchHost.IsCallFailure(ex))
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
}

/// <summary>One call set up by <see cref="ChromiumBotLab.CallAsync"/>: the stats of its Chromium ends and how to end it.</summary>
internal sealed class LabCall(string sessionId)
{
    public string SessionId { get; } = sessionId;

    /// <summary>The Chromium sender's getStats toward the receiver; null when the bot sends.</summary>
    public Func<Task<SdkPeerStats>>? SenderStats { get; init; }

    /// <summary>The Chromium receiver's getStats toward the sender; null when the bot receives.</summary>
    public Func<Task<SdkPeerStats>>? ReceiverStats { get; init; }

    public required Func<Task<LabEnd>> End { get; init; }

    /// <summary>Hangs up and waits until both ends closed; the bot's summary of the call when the bot took part.</summary>
    public Task<LabEnd> EndAsync() => End();
}

/// <summary>What a bot saw of an ended lab call: the receiving (or only) bot's summary, and the sending bot's on bot → bot.</summary>
internal sealed record LabEnd(CallSummary? Bot, CallSummary? BotSender);
