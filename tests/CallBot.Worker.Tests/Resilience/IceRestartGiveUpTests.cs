using System.Xml.Linq;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using CallBot.Worker.Calls;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Tests.Bots;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// The bot side of the pipeline, on fake time with seeded jitter: a peer that never comes back is hung up with reason
/// <c>ice-restart-exhausted</c>.
/// </summary>
public sealed class IceRestartGiveUpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task When_every_attempt_fails_the_offerer_hangs_up_with_reason_ice_restart_exhausted()
    {
        await using var h = new BotHarness();
        var hangUps = new List<XElement>();
        h.Hub.MessageRouted += (_, e) =>
        {
            if (e.Message.Descendants().Any(x => x.Name.LocalName == "signalType" && x.Value == "hangUp"))
            {
                lock (hangUps)
                {
                    hangUps.Add(e.Message);
                }
            }
        };
        var iceRestart = new IceRestartOptions { Threshold = 0.2, PingTimeout = 0.2, AttemptTimeout = 0.5, MaxAttempts = 2, BackoffDelay = 0.1, MaxBackoffDelay = 0.1, Budget = 10 };
        var peers = new StallablePeers();
        var transport = h.Hub.Connect(1301);
        await using var caller = new BotAgent(
            new BotAgentSettings { UserId = 1301, ShutdownTimeout = TimeSpan.FromSeconds(5) },
            transport,
            peers,
            null,
            h.ClientOptions,
            h.Limiter,
            new CallRecordings(null, h.Time, NullLoggerFactory.Instance),
            h.Telemetry,
            h.Time,
            NullLoggerFactory.Instance,
            new IceRestartSupervisor(IceRestartShared.Create(transport, iceRestart, IceRestartResilience.Build(iceRestart, h.Time, NullLoggerFactory.Instance, new Random(13)), h.Telemetry, h.Time, NullLoggerFactory.Instance)));
        var callee = h.Start(1302);
        var accepted = BotHarness.NextAcceptAsync(callee);
        var calleeEnded = BotHarness.NextOutcomeAsync(callee);
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        caller.Client.ConnectionStateChanged += (_, e) =>
        {
            if (e.State == SessionConnectionState.Connected)
            {
                connected.TrySetResult();
            }
        };
        var call = caller.PlaceCallAsync([1302], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await accepted;
        await connected.Task.WaitAsync(BotHarness.Timeout, Ct); // the caller applied the answer: its link is up
        var peer = await Poll.UntilAsync(() => peers.Created, c => c.Count == 1, BotHarness.Timeout, c => $"{c.Count} peers", cancellationToken: TestContext.Current.CancellationToken);

        // On the harness's fake time: each step advances exactly to the timer the pipeline armed for it, so the
        // client's own disconnect release (DisconnectTimeInterval, 5 s) can never overtake the pipeline's give-up.
        h.Time.ForgetArmed(); // the call's own timers so far
        peer[0].Raise(PeerIceState.Disconnected);
        await h.Time.ArmedAsync(a => a.IsOneShot && a.DueTime == TimeSpan.FromSeconds(0.2), "the threshold", Ct);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        await h.Time.ArmedAsync(a => a.IsOneShot && a.DueTime == TimeSpan.FromSeconds(0.5), "attempt 1's timeout", Ct);
        h.Time.Advance(TimeSpan.FromSeconds(0.5));
        var backoff = await h.Time.ArmedAsync(a => a.IsOneShot && a.DueTime > TimeSpan.Zero && a.DueTime <= TimeSpan.FromSeconds(0.1), "the backoff", Ct);
        h.Time.Advance(backoff.DueTime);
        await h.Time.ArmedAsync(a => a.IsOneShot && a.DueTime == TimeSpan.FromSeconds(0.5), "attempt 2's timeout", Ct);
        h.Time.Advance(TimeSpan.FromSeconds(0.5));
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);
        var other = await calleeEnded;

        Assert.Equal(CallDisposition.Failed, outcome.Result);
        Assert.Equal(IceRestartOptions.ExhaustedReason, outcome.Error);
        Assert.Equal(2, caller.IceRestartSupervisor!.Attempts);
        Assert.Equal(0, caller.IceRestartSupervisor.Recoveries);
        Assert.Equal(2, peer[0].RestartOffers);
        Assert.True(other.EndedByRemote);
        XElement hangUp;
        lock (hangUps)
        {
            hangUp = Assert.Single(hangUps);
        }

        Assert.Contains(hangUp.Descendants(), x => x.Name.LocalName == IceRestartOptions.ReasonKey && x.Value == IceRestartOptions.ExhaustedReason);
    }
}
