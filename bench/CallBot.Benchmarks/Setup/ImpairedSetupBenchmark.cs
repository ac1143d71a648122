using System.Globalization;
using System.Text;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.Worker.Bots;

namespace CallBot.Benchmarks.Setup;

/// <summary>
/// <c>impaired-setup [--calls N] [--loss P] [--delay-ms D] [--jitter-ms J] [--paths chromium-chromium,chromium-bot,bot-chromium]
/// [--budget-s S] [--out FILE]</c>: call setup over an impaired link, side by side — the REAL ConnectyCube SDK in headless Chromium calling
/// Chromium, Chromium calling a bot, a bot calling Chromium — every call through its own <see cref="UdpImpairmentRelay"/>
/// (independent random loss P, one-way delay D ± J ms keeping order, both directions). The pages rewrite the candidates they
/// receive and send to the relay's ports (<see cref="ConnectyCubeBrowserClient.RouteCandidatesAsync"/>), so STUN, DTLS
/// and SRTP of every path cross the same impairment; the bot is untouched. A call succeeds when both ends decode a remote
/// frame within S seconds of the call (default 20). Prints success rate and p50/p95 per path. A benchmark: it asserts nothing.
/// </summary>
internal static class ImpairedSetupBenchmark
{
    public const string Command = "impaired-setup";

    private const int BotId = 3002; // the setup benchmark's callee: a machine that ran it has the clips cached
    private const int CallerPageId = 4101;
    private const int CalleePageId = 4102;

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = 50;
        var loss = 0.10;
        var delayMs = 50.0;
        var jitterMs = 10.0;
        var paths = "chromium-chromium,chromium-bot,bot-chromium";
        var budget = TimeSpan.FromSeconds(20);
        string? output = null;
        var parser = new BenchArgs(Command, "Call setup over an impaired link (loss P, one-way delay D ± J ms, both directions), path by path.")
            .Int("--calls", "N", "calls per path (50)", v => calls = v, min: 1)
            .Double("--loss", "P", "independent random loss rate each way (0.10)", v => loss = v, min: 0, max: 1)
            .Double("--delay-ms", "D", "one-way delay each way (50)", v => delayMs = v, min: 0)
            .Double("--jitter-ms", "J", "± jitter on that delay, order kept (10)", v => jitterMs = v, min: 0)
            .Text("--paths", "LIST", "chromium-chromium,chromium-bot,bot-chromium (all three)", v => paths = v)
            .Double("--budget-s", "S", "a call succeeds when both ends decode a frame within S seconds (20)", v => budget = TimeSpan.FromSeconds(v), min: 0.1)
            .Text("--out", "FILE", "the markdown table, also printed (none)", v => output = v);
        if (parser.Parse(args, Console.Out, Console.Error) is { } exit)
        {
            return exit;
        }

        var link = new Link(loss, TimeSpan.FromMilliseconds(delayMs), TimeSpan.FromMilliseconds(jitterMs), budget);
        var results = new List<PathResult>();
        await using (var bench = await BenchHost.StartAsync([BotId]))
        {
            await using var bot = await bench.StartBotAsync(BotId);
            var botTimes = new BotCallTimes(bot);
            var sdk = await bench.OpenSdkAsync(new ConnectyCubeSdkOptions { SdkDebugLog = false, Timeout = BenchHost.StepTimeout });
            var caller = await sdk.LoginAsync(CallerPageId);
            var callee = await sdk.LoginAsync(CalleePageId);
            foreach (var path in paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var result = path switch
                {
                    "chromium-chromium" => await RunPathAsync("SDK in Chromium → SDK in Chromium", calls, link, relay => ChromiumCallsChromiumAsync(caller, callee, relay)),
                    "chromium-bot" => await RunPathAsync("SDK in Chromium → bot", calls, link, relay => ChromiumCallsBotAsync(caller, bot, botTimes, relay)),
                    "bot-chromium" => await RunPathAsync("bot → SDK in Chromium", calls, link, relay => BotCallsChromiumAsync(bot, botTimes, callee, relay)),
                    _ => throw new ArgumentException($"unknown path '{path}' (chromium-chromium, chromium-bot, bot-chromium)"),
                };
                results.Add(result);
            }
        }

        var report = Report(results, calls, link);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report);
        }

        return 0;
    }

    /// <summary>Each call through a fresh relay seeded by its number (the caller is side A, the callee side B).</summary>
    private static async Task<PathResult> RunPathAsync(string name, int calls, Link link, Func<UdpImpairmentRelay, Task<CallTimes>> call)
    {
        var result = new PathResult(name);
        for (var i = 0; i < calls; i++)
        {
            await using var relay = BenchHost.StartRelay(1000 + (2 * i), link.Loss, link.Delay, link.Jitter);
            CallTimes times;
            try
            {
                times = await call(relay);
            }
            catch (Exception ex) when (BenchHost.IsCallFailure(ex))
            {
                times = CallTimes.Failed(ex.Message);
            }

            result.Add(i + 1, times, link.Budget);
            result.Count(relay.AToB.Counters, relay.BToA.Counters);
            if ((i + 1) % 10 == 0 || i + 1 == calls)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {i + 1}/{calls} calls, {result.Succeeded} connected"));
            }
        }

        return result;
    }

    private static async Task<CallTimes> ChromiumCallsChromiumAsync(ConnectyCubeBrowserClient caller, ConnectyCubeBrowserClient callee, UdpImpairmentRelay relay)
    {
        await caller.RouteCandidatesAsync(relay.EndpointA.Port, relay.EndpointB.Port);
        await callee.RouteCandidatesAsync(relay.EndpointB.Port, relay.EndpointA.Port);
        var id = await caller.CallAsync([callee.UserId]);
        try
        {
            var dial = await caller.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == id);
            await callee.WaitForIncomingCallAsync(BenchHost.StepTimeout);
            await callee.AcceptAsync(id);
            var accepted = await caller.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == id);
            var atCaller = await caller.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            var atCallee = await callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            return new CallTimes(accepted.TimeMs - dial.TimeMs, atCallee.TimeMs - dial.TimeMs, atCaller.TimeMs - dial.TimeMs, null);
        }
        finally
        {
            await caller.HangUpAsync(id);
            await callee.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == id, BenchHost.StepTimeout);
        }
    }

    private static async Task<CallTimes> ChromiumCallsBotAsync(ConnectyCubeBrowserClient caller, BotAgent bot, BotCallTimes botTimes, UdpImpairmentRelay relay)
    {
        await caller.RouteCandidatesAsync(relay.EndpointA.Port, relay.EndpointB.Port);
        var id = await caller.CallAsync([bot.UserId]);
        try
        {
            var dial = await caller.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == id);
            var accepted = await caller.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == id);
            var atCaller = await caller.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            var atBot = await botTimes.FirstFrameAsync(id, BenchHost.StepTimeout);
            return new CallTimes(accepted.TimeMs - dial.TimeMs, atBot - dial.TimeMs, atCaller.TimeMs - dial.TimeMs, null);
        }
        finally
        {
            await caller.HangUpAsync(id);
            await botTimes.EndedAsync(id, BenchHost.StepTimeout);
        }
    }

    private static async Task<CallTimes> BotCallsChromiumAsync(BotAgent bot, BotCallTimes botTimes, ConnectyCubeBrowserClient callee, UdpImpairmentRelay relay)
    {
        await callee.RouteCandidatesAsync(relay.EndpointB.Port, relay.EndpointA.Port);
        var t0 = BotCallTimes.Now();
        var call = bot.PlaceCallAsync([callee.UserId], CallType.Video, TimeSpan.FromMinutes(2));
        string? id = null;
        try
        {
            var incoming = await callee.WaitForIncomingCallAsync(BenchHost.StepTimeout);
            id = incoming.SessionId!;
            await callee.AcceptAsync(id);
            var atCallee = await callee.WaitForEventAsync(SdkEventNames.FirstFrame, e => e.SessionId == id, BenchHost.StepTimeout);
            var atBot = await botTimes.FirstFrameAsync(id, BenchHost.StepTimeout);
            var accepted = botTimes.AcceptedAt(id) is { } a ? a - t0 : double.NaN;
            return new CallTimes(accepted, atCallee.TimeMs - t0, atBot - t0, null);
        }
        finally
        {
            if (id is not null)
            {
                await callee.HangUpAsync(id);
            }

            await call.WaitAsync(BenchHost.StepTimeout);
        }
    }

    private static string Report(List<PathResult> results, int calls, Link link)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture,
                $"Call setup through UdpImpairmentRelay: {link.Loss:P0} random loss, {link.Delay.TotalMilliseconds:0} ± {link.Jitter.TotalMilliseconds:0} ms one way (order kept), each direction; {calls} sequential calls per path; success = both ends decode a remote frame within {link.Budget.TotalSeconds:0} s; {Environment.ProcessorCount} cores, load average {BenchHost.LoadAverage()}")
            .AppendLine()
            .AppendLine("| Path | Connected | Success | Datagrams through the relays | Lost by the relays |\n|---|---|---|---|---|");
        foreach (var result in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {result.Name} | {result.Succeeded}/{result.Attempted} | {(double)result.Succeeded / Math.Max(1, result.Attempted):P1} | {result.RelayReceived} | {(double)result.RelayDroppedByLoss / Math.Max(1, result.RelayReceived):P1} |");
        }

        text.AppendLine().AppendLine(SetupSeries.Header);
        foreach (var result in results)
        {
            foreach (var series in result.Series)
            {
                text.AppendLine(series.Row());
            }
        }

        foreach (var result in results)
        {
            foreach (var failure in result.Failures)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {result.Name} {failure}");
            }
        }

        return text.ToString();
    }

    private sealed record Link(double Loss, TimeSpan Delay, TimeSpan Jitter, TimeSpan Budget);

    /// <summary>Milliseconds from the call: accept at the caller, first remote frame at the callee and at the caller.</summary>
    private sealed record CallTimes(double Accepted, double FirstFrameAtCallee, double FirstFrameAtCaller, string? Error)
    {
        public static CallTimes Failed(string error) => new(double.NaN, double.NaN, double.NaN, error);

        public double MediaBothWays => Math.Max(FirstFrameAtCallee, FirstFrameAtCaller);
    }

    private sealed class PathResult(string name)
    {
        private readonly SetupSeries _accept = new(name, "call → accept");
        private readonly SetupSeries _callee = new(name, "call → first remote frame at callee");
        private readonly SetupSeries _caller = new(name, "call → first remote frame at caller");
        private readonly SetupSeries _both = new(name, "call → media both ways");

        public string Name { get; } = name;

        public int Attempted { get; private set; }

        public int Succeeded { get; private set; }

        public List<string> Failures { get; } = [];

        /// <summary>Datagrams the relays received and dropped by loss, both directions, all calls: proof the path crossed them.</summary>
        public long RelayReceived { get; private set; }

        public long RelayDroppedByLoss { get; private set; }

        public void Count(RelayCounters aToB, RelayCounters bToA)
        {
            RelayReceived += aToB.Received + bToA.Received;
            RelayDroppedByLoss += aToB.DroppedLoss + bToA.DroppedLoss;
        }

        public IEnumerable<SetupSeries> Series => [_accept, _callee, _caller, _both];

        public void Add(int number, CallTimes times, TimeSpan budget)
        {
            Attempted++;
            if (times.Error is not null || double.IsNaN(times.MediaBothWays) || times.MediaBothWays > budget.TotalMilliseconds)
            {
                Failures.Add(string.Create(CultureInfo.InvariantCulture, $"#{number}: {times.Error?.Split('\n')[0] ?? $"media both ways after {times.MediaBothWays:0} ms"}"));
                return;
            }

            Succeeded++;
            if (!double.IsNaN(times.Accepted))
            {
                _accept.Add(times.Accepted);
            }

            _callee.Add(times.FirstFrameAtCallee);
            _caller.Add(times.FirstFrameAtCaller);
            _both.Add(times.MediaBothWays);
        }
    }
}
