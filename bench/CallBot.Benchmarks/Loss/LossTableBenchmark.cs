using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CallBot.Benchmarks.Setup;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;

namespace CallBot.Benchmarks.Loss;

/// <summary>
/// <c>loss-table [--duration-s S] [--loss 0.05,0.10,0.20] [--rtt-ms R] [--paths chromium-chromium,bot-chromium,chromium-bot,bot-bot]
/// [--stages nack,keyframe,…] [--key-frame-interval-s S] [--quick] [--json FILE] [--out FILE]</c>: received video quality over a lossy link, side by
/// side (issue 15, must-show a). Every call goes through its own <see cref="UdpImpairmentRelay"/> with independent random
/// loss P in both directions and R/2 one-way delay, like <c>impaired-setup</c> (the pages route their candidates to the
/// relay; the bot is untouched). One video direction is measured per path — the caller's video at the callee — over S
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
        int? keyFrameSeconds = null;
        var json = "loss-table.json";
        string? output = null;
        var parser = new BenchArgs(Command, "Received video quality over a lossy link (independent random loss both ways, RTT/2 each way), path by path (issue 15).")
            .Double("--duration-s", "S", "seconds measured per call from the first decoded frame (60)", v => duration = TimeSpan.FromSeconds(v), min: 1)
            .DoubleList("--loss", "P,P…", "loss rates, one table row each per path (0.05,0.10,0.20)", v => losses = v, min: 0, max: 1)
            .Double("--rtt-ms", "R", "round-trip time: half of it is added each way (100)", v => rttMs = v, min: 0)
            .Text("--paths", "LIST", "chromium-chromium,bot-chromium,chromium-bot,bot-bot (all four)", v => paths = v)
            .Text("--stages", "LIST", "the bot's media stages, CallBot:Media:Stages (its default)", v => stages = v)
            .Int("--key-frame-interval-s", "S", "seconds between the bot clip's key frames, CallBot:Media:KeyFrameIntervalSeconds (its default)", v => keyFrameSeconds = v, min: 1)
            .Switch("--quick", "10 s at 10 % only: a smoke check", () =>
            {
                duration = TimeSpan.FromSeconds(10);
                losses = [0.10];
            })
            .Text("--json", "FILE", "the rows as JSON (loss-table.json)", v => json = v)
            .Text("--out", "FILE", "the markdown table, also printed (none)", v => output = v);
        if (parser.Parse(args, Console.Out, Console.Error) is { } exit)
        {
            return exit;
        }

        var oneWay = TimeSpan.FromMilliseconds(rttMs / 2);
        var rows = new List<Row>();
        using var estimates = new EstimateSampler();
        await using (var lab = await ChromiumBotLab.StartAsync(new LabSettings { Stages = stages, Bot = BotSettings(keyFrameSeconds) }))
        {
            var seed = 5000;
            foreach (var loss in losses)
            {
                foreach (var name in paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var path = ChromiumBotLab.ParsePath(name);
                    await using var relay = BenchHost.StartRelay(seed++, loss, oneWay);

                    Row row;
                    try
                    {
                        row = await MeasureAsync(await lab.CallAsync(path, relay, duration), path, duration, estimates);
                    }
                    catch (Exception ex) when (BenchHost.IsCallFailure(ex))
                    {
                        row = new Row { Error = ex.Message.Split('\n')[0] };
                    }

                    row = row with
                    {
                        Path = ChromiumBotLab.Describe(path),
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

    /// <summary>The loss table's bot: one rendition (what it sends does not move with its estimate), the key frame interval if given.</summary>
    private static Dictionary<string, string?> BotSettings(int? keyFrameSeconds)
    {
        var settings = new Dictionary<string, string?> { ["CallBot:Media:Renditions"] = "1" };
        if (keyFrameSeconds is { } seconds)
        {
            settings["CallBot:Media:KeyFrameIntervalSeconds"] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }

    /// <summary>Measures <paramref name="duration"/> of a call that is up (its first frame decoded), then ends it.</summary>
    private static async Task<Row> MeasureAsync(LabCall call, LabPath path, TimeSpan duration, EstimateSampler estimates)
    {
        var row = await MeasureAsync(call, path, duration, () => estimates.Start());
        var spread = estimates.Stop();
        return row.Sender is null ? row : row with { Sender = row.Sender with { Estimate = spread } };
    }

    private static async Task<Row> MeasureAsync(LabCall call, LabPath path, TimeSpan duration, Action started)
    {
        SdkPeerStats? received = null;
        SdkPeerStats? sent = null;
        TimeSpan elapsed;
        LabEnd end;
        try
        {
            var watch = Stopwatch.StartNew();
            started();
            await Task.Delay(duration);
            received = call.ReceiverStats is null ? null : await call.ReceiverStats();
            sent = call.SenderStats is null ? null : await call.SenderStats();
            elapsed = watch.Elapsed;
        }
        finally
        {
            end = await call.EndAsync();
        }

        switch (path)
        {
            case LabPath.ChromiumToChromium:
                return ChromiumReceived(received!.InboundVideo ?? new SdkInboundRtp(), elapsed, (sent!.OutboundVideo ?? new SdkOutboundRtp()).FramesEncoded);
            case LabPath.BotToChromium:
            {
                var media = end.Bot!.Media;
                return ChromiumReceived(received!.InboundVideo ?? new SdkInboundRtp(), elapsed, media.VideoFramesSent) with
                {
                    // Counted where it is sent: Chromium's fecPacketsReceived does not count ULPFEC inside RED.
                    Overhead = Ratio(media.VideoRetransmittedPackets + media.VideoFecPacketsSent, media.VideoPacketsSent),
                    KeyFrameRestarts = media.KeyFrameRestarts,
                    KeyFramesInPlace = media.KeyFramesInPlace,
                    Sender = BotSent.Of(media),
                };
            }

            case LabPath.BotToBot:
            {
                var sender = end.BotSender!.Media;
                return BotReceived(end.Bot!.Media, elapsed, sender.VideoFramesSent) with
                {
                    Overhead = Ratio(sender.VideoRetransmittedPackets + sender.VideoFecPacketsSent, sender.VideoPacketsSent),
                    KeyFrameRestarts = sender.KeyFrameRestarts,
                    KeyFramesInPlace = sender.KeyFramesInPlace,
                    Sender = BotSent.Of(sender),
                };
            }

            default:
            {
                var video = sent!.OutboundVideo ?? new SdkOutboundRtp();
                return BotReceived(end.Bot!.Media, elapsed, video.FramesEncoded) with
                {
                    Overhead = Ratio(video.RetransmittedPacketsSent, video.PacketsSent),
                };
            }
        }
    }

    /// <summary>The sender's video at a bot receiver: the W3C freeze figures its frame tap kept, over the measured time.</summary>
    private static Row BotReceived(CallMediaStats media, TimeSpan elapsed, long framesSent) => new()
    {
        Fps = media.VideoFramesReceived / elapsed.TotalSeconds,
        Freezes = media.VideoFreezes.Freezes,
        FreezeSeconds = media.VideoFreezes.FreezeDuration.TotalSeconds,
        Pauses = media.VideoFreezes.Pauses,
        TimelineFreezes = media.VideoTimelineFreezes.Freezes,
        TimelineFreezeSeconds = media.VideoTimelineFreezes.FreezeDuration.TotalSeconds,
        PlayoutFreezes = media.VideoPlayoutFreezes.Freezes,
        PlayoutFreezeSeconds = media.VideoPlayoutFreezes.FreezeDuration.TotalSeconds,
        FramesReceived = media.VideoFramesReceived,
        FramesSent = framesSent,
        ReceivedOverSent = Ratio(media.VideoFramesReceived, framesSent),
        Seconds = elapsed.TotalSeconds,
    };

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
        Inbound = received,
    };

    private static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;

    private static string Report(List<Row> rows, TimeSpan duration, double rttMs, string? stages)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture,
                $"Received VP8 640x360@30 through UdpImpairmentRelay: independent random loss each direction, {rttMs:0} ms RTT, {duration.TotalSeconds:0} s per row from the first decoded frame; stages {stages ?? "(default)"}; {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}")
            .AppendLine()
            .AppendLine("| Path | Loss | fps | Freezes | Freezes/min | Freeze time (s) | Playout freezes/min (s) | Timeline freezes/min (s) | Received/sent frames | RTX+FEC / media packets | Keyframe answers (in place/restarts) | Relay loss |")
            .AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            if (r.Error is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Path} | {r.Loss:P0} | failed: {r.Error} | | | | | | | | | |");
                continue;
            }

            var answers = r.KeyFramesInPlace is null ? "–" : $"{r.KeyFramesInPlace}/{r.KeyFrameRestarts}";
            var playout = PerMinute(r.PlayoutFreezes, r.PlayoutFreezeSeconds, r.Seconds);
            var timeline = PerMinute(r.TimelineFreezes, r.TimelineFreezeSeconds, r.Seconds);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Path} | {r.Loss:P0} | {r.Fps:0.0} | {r.Freezes}{(r.Pauses > 0 ? $" (+{r.Pauses} pauses)" : string.Empty)} | {r.Freezes / Math.Max(1e-9, r.Seconds / 60):0.0} | {r.FreezeSeconds:0.00} | {playout} | {timeline} | {r.ReceivedOverSent:P1} | {r.Overhead:P1} | {answers} | {(double)r.RelayDropped / Math.Max(1, r.RelayDatagrams):P1} |");
        }

        return text.ToString();
    }

    /// <summary>"freezes per minute (freeze seconds)" of a bot-only clock; a dash at a Chromium receiver.</summary>
    private static string PerMinute(int? freezes, double? freezeSeconds, double seconds) => freezes is { } f
        ? string.Create(CultureInfo.InvariantCulture, $"{f / Math.Max(1e-9, seconds / 60):0.0} ({freezeSeconds:0.00})")
        : "–";

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

        /// <summary>At a bot: the W3C rule on the frames' RTP timestamps (as the recording plays them); null at a Chromium receiver.</summary>
        public int? TimelineFreezes { get; init; }
        public double? TimelineFreezeSeconds { get; init; }

        /// <summary>At a bot: the W3C rule on a modelled adaptive playout buffer's render times (<c>PlayoutClock</c>), the figure beside Chromium's; null at a Chromium receiver.</summary>
        public int? PlayoutFreezes { get; init; }
        public double? PlayoutFreezeSeconds { get; init; }
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

        /// <summary>At a Chromium receiver: its whole video inbound-rtp (NACKs, PLIs, drops, jitter buffer), in the JSON for diagnosis.</summary>
        public SdkInboundRtp? Inbound { get; init; }

        /// <summary>At a bot sender: its video send counters at the end of the call, in the JSON for diagnosis.</summary>
        public BotSent? Sender { get; init; }
    }

    /// <summary>A bot sender's video counters: media, RTX and FEC packets, NACKs it did not answer, its final target.</summary>
    private sealed record BotSent(long MediaPackets, long RetransmittedPackets, long FecPackets, long NackRefusals, int TargetKbps)
    {
        /// <summary>The send-side estimate's spread over the measured time (both bots' on bot → bot).</summary>
        public EstimateSpread? Estimate { get; init; }

        public static BotSent Of(CallMediaStats media) => new(
            media.VideoPacketsSent, media.VideoRetransmittedPackets, media.VideoFecPacketsSent, media.VideoNackRefusals, media.VideoTargetBitrateKbps);
    }
}
