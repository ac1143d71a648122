using System.Diagnostics;
using CallBot.Rtc.Ice;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.Network;
using CallBot.TestSupport.Prosody;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Tests.EndToEnd;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// Issue 8 fault tests: two real bots (caller A in namespace a, callee B in namespace b, media over one veth pair; chat
/// through Prosody on loopback, so cutting the veth cuts media only). Each asserts on ICE states, restart attempts,
/// RTP counters and the recordings (ffprobe).
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class IceRestartFaultTests(ProsodyFixture prosody, FaultHostFixture host) : IClassFixture<ProsodyFixture>, IClassFixture<FaultHostFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Short timings so a restart happens within seconds of a lasting disconnect.</summary>
    private static IceRestartOptions Fast(double threshold) => new()
    {
        Threshold = threshold,
        PingTimeout = 2,
        AttemptTimeout = 4,
        MaxAttempts = 100,
        BackoffDelay = 0.5,
        MaxBackoffDelay = 1,
        Budget = 120,
    };

    private static void Log(string text) => TestContext.Current.TestOutputHelper?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} TEST {text}");

    [Fact]
    public async Task Link_down_5_s_recovers_by_consent_without_an_ice_restart()
    {
        await using var call = await FaultCall.StartAsync(prosody, host, 8101, Fast(threshold: 10));
        var before = call.Generations();

        var cut = Stopwatch.StartNew();
        await call.Lab.SetLinkDownAsync(call.Link.B);
        Log("link down");
        await Task.Delay(TimeSpan.FromSeconds(1), Ct); // outage timeline, not synchronization
        var duringA = call.A.PacketsFrom(call.SessionId, call.B.UserId);
        await Task.Delay(TimeSpan.FromSeconds(5) - cut.Elapsed, Ct);
        var stillA = call.A.PacketsFrom(call.SessionId, call.B.UserId);
        await call.Lab.SetLinkUpAsync(call.Link.B);
        Log("link up");

        var resumed = await call.MediaResumesAsync(Timeout);
        Assert.True(stillA - duringA <= 3, $"media crossed a down link: {duringA} -> {stillA}");
        await call.BothConnectedAsync(Timeout);

        Assert.Equal(0, call.A.Agent.IceRestartSupervisor!.Attempts);
        Assert.Equal(0, call.B.Agent.IceRestartSupervisor!.Attempts);
        Assert.Equal(before, call.Generations()); // the same ICE generation: no restart happened
        Log($"media resumed {resumed.TotalMilliseconds:0} ms after link up");
        await call.EndAndCheckRecordingsAsync(minSeconds: 3);
    }

    [Fact]
    public async Task Link_down_40_s_is_recovered_by_the_pipeline_with_media_within_5_s_of_link_up()
    {
        await using var call = await FaultCall.StartAsync(prosody, host, 8201, Fast(threshold: 3));
        var before = call.Generations();
        var offers = 0;
        call.A.Agent.IceRestartSupervisor!.AttemptCompleted += (_, a) =>
        {
            if (a.OfferSent)
            {
                Interlocked.Increment(ref offers);
            }
        };

        var cut = Stopwatch.StartNew();
        await call.Lab.SetLinkDownAsync(call.Link.B);
        Log("link down");
        await Poll.UntilAsync(() => call.A.Agent.IceRestartSupervisor.Attempts, n => n >= 1, TimeSpan.FromSeconds(35), n => $"attempts {n}", cancellationToken: TestContext.Current.CancellationToken);
        Log($"first attempt ended {cut.Elapsed.TotalSeconds:0.0} s after the cut");
        await Task.Delay(TimeSpan.FromSeconds(40) - cut.Elapsed, Ct); // outage timeline, not synchronization
        await call.Lab.SetLinkUpAsync(call.Link.B);
        Log($"link up after {cut.Elapsed.TotalSeconds:0.0} s, A made {call.A.Agent.IceRestartSupervisor.Attempts} attempts ({Volatile.Read(ref offers)} offers)");

        var resumed = await call.MediaResumesAsync(Timeout);
        await call.BothConnectedAsync(Timeout);

        Log($"media resumed {resumed.TotalMilliseconds:0} ms after link up");
        Assert.True(resumed <= TimeSpan.FromSeconds(5), $"media resumed {resumed.TotalSeconds:0.0} s after link up");
        Assert.True(Volatile.Read(ref offers) >= 1, "A sent no iceRestart");
        // The link can come back during the pipeline's backoff between attempts (a generation still checking gathers the
        // interface again at once): the next attempt then finds the peer connected and ends the run, one delay later.
        await Poll.UntilAsync(() => call.A.Agent.IceRestartSupervisor.Recoveries >= 1, TimeSpan.FromSeconds(10), "A's pipeline saw the peer recover", Ct);
        Assert.True(call.Generations().A > before.A, $"A's selected pair is still of generation {before.A}");
        await call.EndAndCheckRecordingsAsync(minSeconds: 3);
    }

    [Fact]
    public async Task Answering_bots_address_change_is_recovered_by_an_ice_restart_over_the_new_address()
    {
        await using var call = await FaultCall.StartAsync(prosody, host, 8301, Fast(threshold: 3));
        var before = call.Generations();
        var newAddress = call.Link.HostAddress(7);

        await call.Lab.ChangeAddressAsync(call.Link.B, newAddress);
        Log($"B moved to {newAddress}");
        await call.MediaResumesAsync(TimeSpan.FromSeconds(60), requireRestart: true);
        await call.BothConnectedAsync(Timeout);

        Assert.True(call.A.Agent.IceRestartSupervisor!.Recoveries >= 1, "A's pipeline did not restart ICE");
        var pairA = call.A.SelectedPair(call.SessionId, call.B.UserId)!;
        var pairB = call.B.SelectedPair(call.SessionId, call.A.UserId)!;
        Assert.True(pairA.Generation > before.A, $"A still on generation {pairA.Generation}");
        Assert.Contains(newAddress.ToString(), pairA.RemoteAddress, StringComparison.Ordinal);
        Assert.Contains(newAddress.ToString(), pairB.LocalAddress, StringComparison.Ordinal);
        await call.EndAndCheckRecordingsAsync(minSeconds: 3);
    }

    [Fact]
    public async Task Prosody_down_20_s_mid_call_never_stops_media_and_a_later_ice_restart_still_works()
    {
        await using var call = await FaultCall.StartAsync(prosody, host, 8401, Fast(threshold: 3));
        var before = call.Generations();
        try
        {
            await prosody.KillAsync();
            Log("prosody killed");
            await Poll.UntilAsync(() => (call.A.Agent.ChatState, call.B.Agent.ChatState), s => s.Item1 != ChatConnectionState.Online && s.Item2 != ChatConnectionState.Online, TimeSpan.FromSeconds(30), s => $"chat {s}", cancellationToken: TestContext.Current.CancellationToken);
            var last = call.Packets();
            for (var second = 0; second < 20; second++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Ct); // sampling timeline, not synchronization
                var now = call.Packets();
                Assert.True(now.A > last.A && now.B > last.B, $"media stalled in second {second} without chat: {last} -> {now}");
                last = now;
            }

            Assert.Equal(1, call.A.Agent.ActiveCalls);
            Assert.Equal(1, call.B.Agent.ActiveCalls);
        }
        finally
        {
            await prosody.StartAsync();
            Log("prosody back");
        }

        await Poll.UntilAsync(() => (call.A.Agent.ChatState, call.B.Agent.ChatState), s => s.Item1 == ChatConnectionState.Online && s.Item2 == ChatConnectionState.Online, Timeout, s => $"chat {s}", cancellationToken: TestContext.Current.CancellationToken);
        var session = Assert.Single(call.A.Agent.Client.Sessions);
        await session.IceRestartAsync(call.B.UserId, Ct);
        await Poll.UntilAsync(call.Generations, g => g.A > before.A && g.B > before.B, Timeout, g => $"generations {g}, before {before}", cancellationToken: TestContext.Current.CancellationToken);
        await call.MediaResumesAsync(Timeout);

        Assert.Equal(0, call.A.Agent.IceRestartSupervisor!.Attempts); // the connection never broke
        await call.EndAndCheckRecordingsAsync(minSeconds: 10);
    }

    /// <summary>Lab (a, b, one veth), two bots, one video call A → B with media flowing both ways.</summary>
    private sealed class FaultCall : IAsyncDisposable
    {
        private readonly CancellationTokenSource _hangUp = new();
        private Task<CallSummary> _outcomeA = null!;
        private readonly TaskCompletionSource<CallSummary> _outcomeB = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private FaultCall(NetworkLab lab, VethLink link)
        {
            Lab = lab;
            Link = link;
        }

        public NetworkLab Lab { get; }

        public VethLink Link { get; }

        public FaultBot A { get; private set; } = null!;

        public FaultBot B { get; private set; } = null!;

        public string SessionId { get; private set; } = string.Empty;

        public static async Task<FaultCall> StartAsync(ProsodyFixture prosody, FaultHostFixture host, int firstUserId, IceRestartOptions iceRestart)
        {
            var lab = await NetworkLab.CreateAsync();
            var a = await lab.AddNamespaceAsync();
            var b = await lab.AddNamespaceAsync();
            var call = new FaultCall(lab, await lab.ConnectAsync(a, b));
            try
            {
                call.B = await FaultBot.StartAsync(host, prosody, b, firstUserId + 1, iceRestart, Ct);
                call.A = await FaultBot.StartAsync(host, prosody, a, firstUserId, iceRestart, Ct);
                call.B.Agent.CallEnded += (_, o) => call._outcomeB.TrySetResult(o);
                var flowingA = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                var flowingB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                call.A.Agent.MediaFlowing += (_, e) => flowingA.TrySetResult(e.SessionId);
                call.B.Agent.MediaFlowing += (_, _) => flowingB.TrySetResult();
                call._outcomeA = call.A.Agent.PlaceCallAsync([call.B.UserId], CallType.Video, TimeSpan.FromMinutes(10), cancellationToken: call._hangUp.Token);
                call.SessionId = await flowingA.Task.WaitAsync(Timeout, Ct);
                await flowingB.Task.WaitAsync(Timeout, Ct);
                await call.BothConnectedAsync(Timeout);
                Log($"call {call.SessionId} up: A {call.A.SelectedPair(call.SessionId, call.B.UserId)}, B {call.B.SelectedPair(call.SessionId, call.A.UserId)}");
                await call.FramesFlowAsync(Timeout); // decoded frames both ways before the fault
                return call;
            }
            catch
            {
                await call.DisposeAsync();
                throw;
            }
        }

        public (int A, int B) Generations() =>
            (A.SelectedPair(SessionId, B.UserId)?.Generation ?? -1, B.SelectedPair(SessionId, A.UserId)?.Generation ?? -1);

        /// <summary>RTP packets A received from B, and B from A.</summary>
        public (long A, long B) Packets() => (A.PacketsFrom(SessionId, B.UserId), B.PacketsFrom(SessionId, A.UserId));

        public Task<(IceConnectionState A, IceConnectionState B)> BothConnectedAsync(TimeSpan timeout) => Poll.UntilAsync(
            () => (A.IceState(SessionId, B.UserId), B.IceState(SessionId, A.UserId)),
            s => s.Item1 is IceConnectionState.Connected or IceConnectionState.Completed && s.Item2 is IceConnectionState.Connected or IceConnectionState.Completed,
            timeout,
            s => $"ICE {s}", cancellationToken: TestContext.Current.CancellationToken);

        /// <summary>
        /// From now, waits until both bots received at least 25 more RTP packets from each other (both directions flow);
        /// returns how long that took. With <paramref name="requireRestart"/>, packets only count once A's selected pair is
        /// of a newer ICE generation.
        /// </summary>
        public async Task<TimeSpan> MediaResumesAsync(TimeSpan timeout, bool requireRestart = false)
        {
            var since = Stopwatch.StartNew();
            var generation = Generations().A;
            var start = Packets();
            await Poll.UntilAsync(
                () => (Packets(), Generations().A),
                s => s.Item1.A - start.A >= 25 && s.Item1.B - start.B >= 25 && (!requireRestart || s.Item2 > generation),
                timeout,
                s => $"packets {start} -> {s.Item1}, generation {generation} -> {s.Item2}",
                TimeSpan.FromMilliseconds(20), cancellationToken: TestContext.Current.CancellationToken);
            return since.Elapsed;
        }

        /// <summary>From now, both bots assemble at least 2 s of video (60 frames) and audio (100 frames) from each other.</summary>
        public Task<(CallMediaStats A, CallMediaStats B)> FramesFlowAsync(TimeSpan timeout)
        {
            var start = (A: A.Stats(SessionId, B.UserId), B: B.Stats(SessionId, A.UserId));
            return Poll.UntilAsync(
                () => (A: A.Stats(SessionId, B.UserId), B: B.Stats(SessionId, A.UserId)),
                s => s.A.VideoFramesReceived - start.A.VideoFramesReceived >= 60 && s.A.AudioFramesReceived - start.A.AudioFramesReceived >= 100
                    && s.B.VideoFramesReceived - start.B.VideoFramesReceived >= 60 && s.B.AudioFramesReceived - start.B.AudioFramesReceived >= 100,
                timeout,
                s => $"frames A {start.A.VideoFramesReceived}/{start.A.AudioFramesReceived} -> {s.A.VideoFramesReceived}/{s.A.AudioFramesReceived}, "
                    + $"B {start.B.VideoFramesReceived}/{start.B.AudioFramesReceived} -> {s.B.VideoFramesReceived}/{s.B.AudioFramesReceived}", cancellationToken: TestContext.Current.CancellationToken);
        }

        /// <summary>
        /// Media frames (not only packets) flow again both ways; then A hangs up, both outcomes are Completed with media, and
        /// each bot's recording probes as valid video.
        /// </summary>
        public async Task EndAndCheckRecordingsAsync(double minSeconds)
        {
            await FramesFlowAsync(Timeout);
            await _hangUp.CancelAsync();
            var outcomes = new[] { await _outcomeA.WaitAsync(Timeout, Ct), await _outcomeB.Task.WaitAsync(Timeout, Ct) };
            foreach (var o in outcomes)
            {
                Assert.True(o.Result == CallDisposition.Completed, $"{o.BotUserId}: {o.Result} {o.Error}");
                Assert.True(o.MediaFlowed, $"{o.BotUserId}: no media");
                var file = Assert.Single(o.RecordingFiles);
                var check = await RecordingCheck.ProbeAsync(file, expectVideo: true, minSeconds, Ct);
                Assert.True(check.Valid, $"{o.BotUserId}: {check.Error}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _hangUp.CancelAsync();
            if (B is not null)
            {
                await B.DisposeAsync();
            }

            if (A is not null)
            {
                await A.DisposeAsync();
            }

            await Lab.DisposeAsync();
            _hangUp.Dispose();
        }
    }
}
