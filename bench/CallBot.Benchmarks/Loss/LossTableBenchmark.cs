using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CallBot.Benchmarks.Setup;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Benchmarks.Loss;

/// <summary>
/// <c>loss-table [--duration-s S] [--loss 0.05,0.10,0.20] [--rtt-ms R] [--paths chromium-chromium,bot-chromium,chromium-bot,bot-bot]
/// [--stages nack,keyframe,…] [--quick] [--json FILE] [--out FILE]</c>: received video quality over a lossy link, side by
/// side (issue 15, must-show a). Every call goes through its own <see cref="UdpImpairmentRelay"/> with independent random
/// loss P in both directions and R/2 one-way delay, like <c>impaired-setup</c> (the pages route their candidates to the
/// relay; the bot is untouched; on bot-bot two more bots announce the relay's ports instead of their sockets,
/// <see cref="RelayAdvertisingPeerConnectionFactory"/>). One video direction is measured per path — the caller's video at the callee — over S
/// seconds from the first decoded frame: received fps, freezes and their total time by the W3C webrtc-stats definition
/// (gap ≥ max(3 × mean frame interval, mean + 150 ms): Chromium's inbound-rtp <c>freezeCount</c>/<c>totalFreezesDuration</c>;
/// for a bot receiver the same rule on its assembled frames, <c>FrameRenderStats</c>), frames received / frames sent, and
/// RTX + FEC packets over media packets (at a Chromium receiver: <c>retransmittedPacketsReceived + fecPacketsReceived</c>;
/// at a bot sender: its RTX packets; at a Chromium sender: <c>retransmittedPacketsSent</c>). Video is VP8 640x360@30 both
/// ways (Chromium's fake camera is asked for it; the bot's clip is 640x360@30, 600 kbit/s). <c>--quick</c>: 10 s at 10 %
/// only, a smoke check. Prints one markdown table, writes the rows as JSON. A benchmark: it asserts nothing.
/// </summary>
internal static class LossTableBenchmark
{
    public const string Command = "loss-table";

    private const int BotId = 3002; // the setup benchmarks' bot: a machine that ran them has its clips cached
    private const int CallerPageId = 4201;
    private const int CalleePageId = 4202;
    private const int CallerBotId = 3003; // bot → bot: the caller, the relay's side A
    private const int CalleeBotId = 3004; // bot → bot: the callee, side B
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN: nothing to divide by
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(60);
        double[] losses = [0.05, 0.10, 0.20];
        var rttMs = 100.0;
        var paths = "chromium-chromium,bot-chromium,chromium-bot,bot-bot";
        string? stages = null;
        var json = "loss-table.json";
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--duration-s" when i + 1 < args.Length:
                    duration = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--loss" when i + 1 < args.Length:
                    losses = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture))];
                    break;
                case "--rtt-ms" when i + 1 < args.Length:
                    rttMs = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--paths" when i + 1 < args.Length:
                    paths = args[++i];
                    break;
                case "--stages" when i + 1 < args.Length:
                    stages = args[++i];
                    break;
                case "--quick":
                    duration = TimeSpan.FromSeconds(10);
                    losses = [0.10];
                    break;
                case "--json" when i + 1 < args.Length:
                    json = args[++i];
                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                default:
                    await Console.Error.WriteLineAsync("usage: loss-table [--duration-s S] [--loss 0.05,0.10,0.20] [--rtt-ms R] [--paths chromium-chromium,bot-chromium,chromium-bot,bot-bot] [--stages nack,keyframe,...] [--quick] [--json FILE] [--out FILE]");
                    return 2;
            }
        }

        var oneWay = TimeSpan.FromMilliseconds(rttMs / 2);
        var rows = new List<Row>();
        await using (var bench = await BenchHost.StartAsync([BotId, CallerBotId, CalleeBotId], BenchHost.StageSettings(stages)))
        {
            await using var bot = await bench.StartBotAsync(BotId);
            var botTimes = new BotCallTimes(bot);

            // bot → bot: each bot announces the current call's relay port that forwards to it.
            UdpImpairmentRelay? current = null;
            IPEndPoint Current(Func<UdpImpairmentRelay, IPEndPoint> port) => port(current ?? throw new InvalidOperationException("no relay for this call"));
            await using var callerBot = await bench.StartBotAsync(CallerBotId, BotRole.Answer, peers => new RelayAdvertisingPeerConnectionFactory(peers, () => Current(r => r.EndpointB)));
            await using var calleeBot = await bench.StartBotAsync(CalleeBotId, BotRole.Answer, peers => new RelayAdvertisingPeerConnectionFactory(peers, () => Current(r => r.EndpointA)));
            var calleeTimes = new BotCallTimes(calleeBot);
            var sdk = await bench.OpenSdkAsync(new ConnectyCubeSdkOptions
            {
                SdkDebugLog = false,
                Timeout = BenchHost.StepTimeout,
                VideoConstraints = new Dictionary<string, int> { ["width"] = 640, ["height"] = 360, ["frameRate"] = 30 },
            });
            var caller = await sdk.LoginAsync(CallerPageId);
            var callee = await sdk.LoginAsync(CalleePageId);
            var seed = 5000;
            foreach (var loss in losses)
            {
                foreach (var path in paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    await using var relay = BenchHost.StartRelay(seed++, loss, oneWay);
                    current = relay;
                    Row row;
                    try
                    {
                        row = path switch
                        {
                            "chromium-chromium" => await ChromiumToChromiumAsync(caller, callee, relay, duration),
                            "bot-chromium" => await BotToChromiumAsync(bot, botTimes, callee, relay, duration),
                            "chromium-bot" => await ChromiumToBotAsync(caller, bot, botTimes, relay, duration),
                            "bot-bot" => await BotToBotAsync(callerBot, calleeBot, calleeTimes, duration),
                            _ => throw new ArgumentException($"unknown path '{path}' (chromium-chromium, bot-chromium, chromium-bot, bot-bot)"),
                        };
                    }
                    catch (Exception ex) when (BenchHost.IsCallFailure(ex))
                    {
                        row = new Row { Error = ex.Message.Split('\n')[0] };
                    }

                    row = row with
                    {
                        Path = PathName(path),
                        Loss = loss,
                        RelayDatagrams = relay.AToB.Counters.Received + relay.BToA.Counters.Received,
                        RelayDropped = relay.AToB.Counters.DroppedLoss + relay.BToA.Counters.DroppedLoss,
                    };
                    rows.Add(row);
                    await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{row.Path} at {loss:P0}: {row.Fps:0.0} fps, {row.Freezes} freezes {row.Error}"));
                }
            }
        }

        var report = Report(rows, duration, rttMs, stages);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { durationSeconds = duration.TotalSeconds, rttMs, stages, loadAverage = BenchHost.LoadAverage(), rows }, Json));
        return 0;
    }

    /// <summary>The caller's video at the callee, both in Chromium.</summary>
    private static async Task<Row> ChromiumToChromiumAsync(ConnectyCubeBrowserClient caller, ConnectyCubeBrowserClient callee, UdpImpairmentRelay relay, TimeSpan duration)
    {
        await caller.RouteCandidatesAsync(relay.EndpointA.Port, relay.EndpointB.Port);
        await callee.RouteCandidatesAsync(relay.EndpointB.Port, relay.EndpointA.Port);
        var id = await caller.CallAsync([callee.UserId]);
        try
        {
            await callee.WaitForIncomingCallAsync(BenchHost.StepTimeout);
            await callee.AcceptAsync(id);
            await callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            var watch = Stopwatch.StartNew();
            await Task.Delay(duration);
            var received = (await callee.GetStatsAsync(caller.UserId, id)).InboundVideo ?? new SdkInboundRtp();
            var sent = (await caller.GetStatsAsync(callee.UserId, id)).OutboundVideo ?? new SdkOutboundRtp();
            return ChromiumReceived(received, watch.Elapsed, sent.FramesEncoded);
        }
        finally
        {
            await caller.HangUpAsync(id);
            await callee.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == id, BenchHost.StepTimeout);
        }
    }

    /// <summary>The bot's video at a Chromium callee.</summary>
    private static async Task<Row> BotToChromiumAsync(BotAgent bot, BotCallTimes botTimes, ConnectyCubeBrowserClient callee, UdpImpairmentRelay relay, TimeSpan duration)
    {
        await callee.RouteCandidatesAsync(relay.EndpointB.Port, relay.EndpointA.Port);
        var call = bot.PlaceCallAsync([callee.UserId], CallType.Video, TimeSpan.FromMinutes(2) + duration);
        string? id = null;
        SdkInboundRtp received;
        TimeSpan elapsed;
        try
        {
            var incoming = await callee.WaitForIncomingCallAsync(BenchHost.StepTimeout);
            id = incoming.SessionId!;
            await callee.AcceptAsync(id);
            await callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            var watch = Stopwatch.StartNew();
            await Task.Delay(duration);
            received = (await callee.GetStatsAsync(bot.UserId, id)).InboundVideo ?? new SdkInboundRtp();
            elapsed = watch.Elapsed;
        }
        finally
        {
            if (id is not null)
            {
                await callee.HangUpAsync(id);
            }
        }

        var summary = await botTimes.EndedAsync(id, BenchHost.StepTimeout);
        await call.WaitAsync(BenchHost.StepTimeout);
        var media = summary.Media;
        return ChromiumReceived(received, elapsed, media.VideoFramesSent) with
        {
            // The bot sends no FEC yet: its overhead is RTX, counted where it is sent.
            Overhead = Ratio(media.VideoRetransmittedPackets, media.VideoPacketsSent),
            KeyFrameRestarts = media.KeyFrameRestarts,
            KeyFramesInPlace = media.KeyFramesInPlace,
        };
    }

    /// <summary>A Chromium caller's video at the bot.</summary>
    private static async Task<Row> ChromiumToBotAsync(ConnectyCubeBrowserClient caller, BotAgent bot, BotCallTimes botTimes, UdpImpairmentRelay relay, TimeSpan duration)
    {
        await caller.RouteCandidatesAsync(relay.EndpointA.Port, relay.EndpointB.Port);
        var id = await caller.CallAsync([bot.UserId]);
        SdkOutboundRtp sent;
        TimeSpan elapsed;
        try
        {
            await botTimes.FirstFrameAsync(id, BenchHost.StepTimeout);
            var watch = Stopwatch.StartNew();
            await Task.Delay(duration);
            sent = (await caller.GetStatsAsync(bot.UserId, id)).OutboundVideo ?? new SdkOutboundRtp();
            elapsed = watch.Elapsed;
        }
        finally
        {
            await caller.HangUpAsync(id);
        }

        var media = (await botTimes.EndedAsync(id, BenchHost.StepTimeout)).Media;
        return new Row
        {
            Fps = media.VideoFramesReceived / elapsed.TotalSeconds,
            Freezes = media.VideoFreezeCount,
            FreezeSeconds = media.VideoTotalFreezesDuration.TotalSeconds,
            Pauses = media.VideoPauseCount,
            FramesReceived = media.VideoFramesReceived,
            FramesSent = sent.FramesEncoded,
            ReceivedOverSent = Ratio(media.VideoFramesReceived, sent.FramesEncoded),
            Overhead = Ratio(sent.RetransmittedPacketsSent, sent.PacketsSent),
            Seconds = elapsed.TotalSeconds,
        };
    }

    /// <summary>
    /// One bot's video at another, both announcing the relay: the caller hangs up <paramref name="duration"/> after its
    /// first remote frame; the callee's frames are counted from its own first frame to the end of the call.
    /// </summary>
    private static async Task<Row> BotToBotAsync(BotAgent caller, BotAgent callee, BotCallTimes calleeTimes, TimeSpan duration)
    {
        var call = caller.PlaceCallAsync([callee.UserId], CallType.Video, duration, timeFromMedia: true);
        var sent = await call.WaitAsync(duration + TimeSpan.FromMinutes(2));
        var received = await calleeTimes.EndedAsync(sent.SessionId, BenchHost.StepTimeout);
        var firstFrame = calleeTimes.FirstFrameAt(sent.SessionId) ?? throw new TimeoutException("the callee bot never decoded a frame");
        var elapsed = TimeSpan.FromMilliseconds(calleeTimes.EndedAt(sent.SessionId) - firstFrame);
        var media = received.Media;
        return new Row
        {
            Fps = media.VideoFramesReceived / elapsed.TotalSeconds,
            Freezes = media.VideoFreezeCount,
            FreezeSeconds = media.VideoTotalFreezesDuration.TotalSeconds,
            Pauses = media.VideoPauseCount,
            FramesReceived = media.VideoFramesReceived,
            FramesSent = sent.Media.VideoFramesSent,
            ReceivedOverSent = Ratio(media.VideoFramesReceived, sent.Media.VideoFramesSent),
            Overhead = Ratio(sent.Media.VideoRetransmittedPackets, sent.Media.VideoPacketsSent),
            KeyFrameRestarts = sent.Media.KeyFrameRestarts,
            KeyFramesInPlace = sent.Media.KeyFramesInPlace,
            Seconds = elapsed.TotalSeconds,
        };
    }

    private static Row ChromiumReceived(SdkInboundRtp received, TimeSpan elapsed, long framesSent) => new()
    {
        Fps = received.FramesDecoded / elapsed.TotalSeconds,
        Freezes = (int)received.FreezeCount,
        FreezeSeconds = received.TotalFreezesDuration,
        FramesReceived = received.FramesDecoded,
        FramesSent = framesSent,
        ReceivedOverSent = Ratio(received.FramesDecoded, framesSent),
        Overhead = Ratio(received.RetransmittedPacketsReceived + received.FecPacketsReceived, received.PacketsReceived),
        PlisSent = received.PliCount,
        Seconds = elapsed.TotalSeconds,
    };

    private static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;

    private static string PathName(string path) => path switch
    {
        "chromium-chromium" => "Chromium → Chromium",
        "bot-chromium" => "bot → Chromium",
        "chromium-bot" => "Chromium → bot",
        "bot-bot" => "bot → bot",
        _ => path,
    };

    private static string Report(List<Row> rows, TimeSpan duration, double rttMs, string? stages)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture,
                $"Received VP8 640x360@30 through UdpImpairmentRelay: independent random loss each direction, {rttMs:0} ms RTT, {duration.TotalSeconds:0} s per row from the first decoded frame; stages {stages ?? "(default)"}; {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}")
            .AppendLine()
            .AppendLine("| Path | Loss | fps | Freezes | Freezes/min | Freeze time (s) | Received/sent frames | RTX+FEC / media packets | Keyframe answers (in place/restarts) | Relay loss |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            if (r.Error is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Path} | {r.Loss:P0} | failed: {r.Error} | | | | | | | |");
                continue;
            }

            var answers = r.KeyFramesInPlace is null ? "–" : $"{r.KeyFramesInPlace}/{r.KeyFrameRestarts}";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Path} | {r.Loss:P0} | {r.Fps:0.0} | {r.Freezes}{(r.Pauses > 0 ? $" (+{r.Pauses} pauses)" : string.Empty)} | {r.Freezes / Math.Max(1e-9, r.Seconds / 60):0.0} | {r.FreezeSeconds:0.00} | {r.ReceivedOverSent:P1} | {r.Overhead:P1} | {answers} | {(double)r.RelayDropped / Math.Max(1, r.RelayDatagrams):P1} |");
        }

        return text.ToString();
    }

    /// <summary>One measured path at one loss rate.</summary>
    private sealed record Row
    {
        public string Path { get; init; } = string.Empty;
        public double Loss { get; init; }
        public double Seconds { get; init; }
        public double Fps { get; init; }
        public int Freezes { get; init; }
        public double FreezeSeconds { get; init; }
        public int Pauses { get; init; }
        public long FramesReceived { get; init; }
        public long FramesSent { get; init; }
        public double ReceivedOverSent { get; init; }
        public double Overhead { get; init; }
        public long PlisSent { get; init; }
        public long? KeyFramesInPlace { get; init; }
        public long? KeyFrameRestarts { get; init; }
        public long RelayDatagrams { get; init; }
        public long RelayDropped { get; init; }
        public string? Error { get; init; }
    }
}
