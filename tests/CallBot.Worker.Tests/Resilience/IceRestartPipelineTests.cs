using System.Diagnostics.Metrics;
using CallBot.Signaling;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Options;
using CallBot.Worker.Resilience;
using CallBot.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.Timeout;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// The ICE-restart pipeline on fake time with a fake chat and a fake peer link: threshold, chat ping/reconnect, offerer
/// vs answerer, backoff, attempt limit and budget, metrics. Fake time moves only when the pipeline has armed the timer
/// the test expects (<see cref="FakeClock"/>), and by exactly that timer's due time, so every duration is asserted
/// exactly; real time only bounds the awaits of events.
/// </summary>
public sealed class IceRestartPipelineTests : IAsyncDisposable
{
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(20);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeClock _time = new(DateTimeOffset.UnixEpoch);
    private readonly CallBotTelemetry _telemetry;
    private readonly MetricCollector<long> _restarts;
    private readonly FakeChat _chat = new();
    private readonly List<IceRestartAttempt> _attempts = [];
    private readonly List<(DateTimeOffset At, TimeSpan Delay)> _backoffs = [];
    private IceRestartPipeline? _pipeline;

    public IceRestartPipelineTests()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _telemetry = new CallBotTelemetry(meters);
        _restarts = new MetricCollector<long>(meters, CallBotTelemetry.Name, "callbot.ice.restarts");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IceRestartOptions Options(int maxAttempts = 4, double budget = 300) => new()
    {
        Threshold = 10,
        PingTimeout = 1,
        AttemptTimeout = 5,
        MaxAttempts = maxAttempts,
        BackoffDelay = 1,
        MaxBackoffDelay = 3,
        Budget = budget,
    };

    private IceRestartPipeline Create(FakeRestartLink link, IceRestartOptions options)
    {
        var resilience = IceRestartResilience.Build(options, _time, NullLoggerFactory.Instance, new Random(20)); // seeded jitter: the same backoffs every run
        _pipeline = new IceRestartPipeline(link, new IceRestartShared(_chat, options, resilience, _telemetry, _time, NullLogger.Instance));
        _pipeline.AttemptCompleted += (_, a) =>
        {
            lock (_attempts)
            {
                _attempts.Add(a);
            }
        };
        _pipeline.BackoffScheduled += (_, d) =>
        {
            lock (_backoffs)
            {
                _backoffs.Add((_time.GetUtcNow(), d));
            }
        };
        return _pipeline;
    }

    private static Task<IceRestartAttempt> NextAttempt(IceRestartPipeline pipeline)
    {
        var done = new TaskCompletionSource<IceRestartAttempt>(TaskCreationOptions.RunContinuationsAsynchronously);
        pipeline.AttemptCompleted += (_, a) => done.TrySetResult(a);
        return done.Task;
    }

    private static Task<IceRestartGaveUpEventArgs> GaveUp(IceRestartPipeline pipeline)
    {
        var done = new TaskCompletionSource<IceRestartGaveUpEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        pipeline.GaveUp += (_, e) => done.TrySetResult(e);
        return done.Task;
    }

    /// <summary>Releases once per restart offer the link makes: the attempt is then waiting for CONNECTED.</summary>
    private static SemaphoreSlim CountRestarts(FakeRestartLink link)
    {
        var restarts = new SemaphoreSlim(0);
        link.OnRestart = _ => restarts.Release();
        return restarts;
    }

    private static async Task RestartOfferedAsync(SemaphoreSlim restarts, int attempt) =>
        Assert.True(await restarts.WaitAsync(RealTimeout, Ct), $"attempt {attempt} made no restart offer");

    /// <summary>The backoff timer is the delay BackoffScheduled reported, cut to whole milliseconds (as Task.Delay waits).</summary>
    private static void AssertWaited(TimeSpan reported, FakeClock.Arming armed) =>
        Assert.Equal(TimeSpan.FromMilliseconds(Math.Floor(reported.TotalMilliseconds)), armed.DueTime);

    /// <summary>Awaits the next timer the pipeline arms and checks it is the one expected.</summary>
    private async Task ArmedAsync(TimeSpan due, string what) =>
        Assert.True((await _time.NextArmedAsync(Ct)).DueTime == due, $"expected {what} ({due}) to be armed next");

    [Fact]
    public async Task A_disconnect_shorter_than_the_threshold_makes_no_attempt()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        pipeline.OnConnectionState(SessionConnectionState.Connected);

        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(9.9));
        pipeline.OnConnectionState(SessionConnectionState.Connected);
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.False(pipeline.IsRunning);
        Assert.Equal(0, pipeline.Attempts);
        Assert.Equal(0, link.Restarts);
        Assert.Equal(0, _chat.Pings);
        Assert.Empty(_restarts.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task The_offerer_pings_chat_and_sends_iceRestart_once_the_threshold_passed_then_recovers()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        link.OnRestart = _ => pipeline.OnConnectionState(SessionConnectionState.Connected);
        var attempt = NextAttempt(pipeline);
        pipeline.OnConnectionState(SessionConnectionState.Connected);

        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(pipeline.IsRunning);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var first = await attempt.WaitAsync(RealTimeout, Ct);
        await pipeline.WhenIdleAsync().WaitAsync(RealTimeout, Ct);

        Assert.Equal(IceRestartAttemptOutcome.Recovered, first.Outcome);
        Assert.True(first.Offerer);
        Assert.True(first.OfferSent);
        Assert.Equal(ChatCheckResult.Pinged, first.Chat);
        Assert.Equal(1, _chat.Pings);
        Assert.Equal(0, _chat.Reconnects);
        Assert.Equal(1, link.Restarts);
        Assert.Equal(1, pipeline.Recoveries);
        var measurement = Assert.Single(_restarts.GetMeasurementSnapshot());
        Assert.Equal(1, measurement.Value);
        Assert.Equal("recovered", measurement.Tags["outcome"]);
        Assert.Equal("offerer", measurement.Tags["role"]);
    }

    [Fact]
    public async Task The_answerer_checks_chat_and_waits_for_the_peers_restart_without_sending_one()
    {
        var link = new FakeRestartLink(offerer: false);
        var pipeline = Create(link, Options());
        var pinged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _chat.Pinged += (_, _) => pinged.TrySetResult();
        var attempt = NextAttempt(pipeline);
        pipeline.OnConnectionState(SessionConnectionState.Connected);

        pipeline.OnConnectionState(SessionConnectionState.Failed);
        _time.Advance(TimeSpan.FromSeconds(10));
        await pinged.Task.WaitAsync(RealTimeout, Ct);
        Assert.False(attempt.IsCompleted);
        pipeline.OnConnectionState(SessionConnectionState.Connected); // the peer's iceRestart worked
        var first = await attempt.WaitAsync(RealTimeout, Ct);

        Assert.Equal(IceRestartAttemptOutcome.Recovered, first.Outcome);
        Assert.False(first.Offerer);
        Assert.False(first.OfferSent);
        Assert.Equal(0, link.Restarts);
        Assert.Equal("answerer", Assert.Single(_restarts.GetMeasurementSnapshot()).Tags["role"]);
    }

    [Fact]
    public async Task A_ping_timeout_reconnects_chat_before_the_restart_offer()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        var reconnectsAtRestart = -1;
        link.OnRestart = _ =>
        {
            reconnectsAtRestart = _chat.Reconnects;
            pipeline.OnConnectionState(SessionConnectionState.Connected);
        };
        _chat.PingFailure = () => new TimeoutException("no pong");
        var attempt = NextAttempt(pipeline);

        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(10));
        var first = await attempt.WaitAsync(RealTimeout, Ct);

        Assert.Equal(IceRestartAttemptOutcome.Recovered, first.Outcome);
        Assert.Equal(ChatCheckResult.Reconnected, first.Chat);
        Assert.Equal(1, _chat.Reconnects);
        Assert.Equal(1, reconnectsAtRestart);
        Assert.Equal(1, link.Restarts);
    }

    [Fact]
    public async Task While_chat_is_reconnecting_by_itself_the_offer_waits_for_it()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        link.OnRestart = _ => pipeline.OnConnectionState(SessionConnectionState.Connected);
        _chat.SetState(ChatConnectionState.Reconnecting);
        var attempt = NextAttempt(pipeline);

        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(pipeline.IsRunning);
        await _chat.Listening.Task.WaitAsync(RealTimeout, Ct);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, link.Restarts);
        _chat.SetState(ChatConnectionState.Online);
        var first = await attempt.WaitAsync(RealTimeout, Ct);

        Assert.Equal(IceRestartAttemptOutcome.Recovered, first.Outcome);
        Assert.Equal(ChatCheckResult.Reconnected, first.Chat);
        Assert.Equal(0, _chat.Pings);
        Assert.Equal(1, link.Restarts);
    }

    [Fact]
    public async Task Attempts_that_never_connect_back_off_exponentially_with_jitter_and_give_up_after_MaxAttempts()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options(maxAttempts: 4));
        var restarts = CountRestarts(link);
        var gaveUp = GaveUp(pipeline);
        pipeline.OnConnectionState(SessionConnectionState.Connected);
        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        var start = _time.GetUtcNow();
        var waited = TimeSpan.Zero;

        await ArmedAsync(TimeSpan.FromSeconds(10), "the threshold");
        _time.AdvanceToNextTimer();
        await ArmedAsync(TimeSpan.FromSeconds(300), "the budget");
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await ArmedAsync(TimeSpan.FromSeconds(5), $"attempt {attempt}'s timeout");
            await RestartOfferedAsync(restarts, attempt);
            _time.AdvanceToNextTimer(); // the attempt times out
            if (attempt < 4)
            {
                var backoff = await _time.NextArmedAsync(Ct);
                AssertWaited(_backoffs[attempt - 1].Delay, backoff);
                waited += _time.AdvanceToNextTimer();
            }
        }

        var e = await gaveUp.WaitAsync(RealTimeout, Ct);

        Assert.Equal(4, e.Attempts);
        Assert.IsType<TimeoutRejectedException>(e.LastError);
        Assert.Equal(4, link.Restarts);
        Assert.Equal(4, _attempts.Count);
        Assert.All(_attempts, a => Assert.Equal(IceRestartAttemptOutcome.TimedOut, a.Outcome));
        Assert.All(_attempts, a => Assert.Equal(TimeSpan.FromSeconds(5), a.Duration));
        Assert.Equal(3, _backoffs.Count);
        double[] expected = [1, 2, 3]; // 1·2^n capped at 3
        for (var i = 0; i < 3; i++)
        {
            var seconds = _backoffs[i].Delay.TotalSeconds;
            Assert.InRange(seconds, expected[i] * (1 - IceRestartResilience.JitterFraction) - 1e-9, expected[i] + 1e-9);
        }

        // 10 s threshold + 4 attempts of 5 s + the three backoffs.
        Assert.Equal(TimeSpan.FromSeconds(10 + 20) + waited, _time.GetUtcNow() - start);
        var outcomes = _restarts.GetMeasurementSnapshot();
        Assert.Equal(4, outcomes.Count);
        Assert.All(outcomes, m => Assert.Equal("timeout", m.Tags["outcome"]));

        // Given up: a later disconnect does not start another run.
        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.False(pipeline.IsRunning);
        Assert.Equal(4, pipeline.Attempts);
    }

    [Fact]
    public async Task The_budget_ends_the_attempts_before_MaxAttempts()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options(maxAttempts: 100, budget: 12));
        var restarts = CountRestarts(link);
        var gaveUp = GaveUp(pipeline);
        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        await ArmedAsync(TimeSpan.FromSeconds(10), "the threshold");
        _time.AdvanceToNextTimer();
        var runStart = _time.GetUtcNow();
        await ArmedAsync(TimeSpan.FromSeconds(12), "the budget");

        // 5 s + a backoff of at most 1 s + 5 s: the second backoff (1.6 to 2 s) is cut by the budget at 12 s.
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await ArmedAsync(TimeSpan.FromSeconds(5), $"attempt {attempt}'s timeout");
            await RestartOfferedAsync(restarts, attempt);
            _time.AdvanceToNextTimer();
            var backoff = await _time.NextArmedAsync(Ct);
            AssertWaited(_backoffs[attempt - 1].Delay, backoff);
            if (attempt == 1)
            {
                _time.AdvanceToNextTimer();
            }
        }

        _time.AdvanceToNextTimer(); // the budget, before the second backoff ends
        var e = await gaveUp.WaitAsync(RealTimeout, Ct);

        Assert.IsType<TimeoutRejectedException>(e.LastError);
        Assert.Equal(2, e.Attempts);
        Assert.Equal(TimeSpan.FromSeconds(12), _time.GetUtcNow() - runStart);
        Assert.Equal(2, link.Restarts);
    }

    [Fact]
    public async Task Connecting_again_during_a_backoff_ends_the_run_without_another_offer()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        var restarts = CountRestarts(link);
        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        await ArmedAsync(TimeSpan.FromSeconds(10), "the threshold");
        _time.AdvanceToNextTimer();
        await ArmedAsync(TimeSpan.FromSeconds(300), "the budget");
        await ArmedAsync(TimeSpan.FromSeconds(5), "attempt 1's timeout");
        await RestartOfferedAsync(restarts, 1);
        _time.AdvanceToNextTimer();
        var backoff = await _time.NextArmedAsync(Ct);
        AssertWaited(Assert.Single(_backoffs).Delay, backoff);

        pipeline.OnConnectionState(SessionConnectionState.Connected); // consent came back on its own
        _time.AdvanceToNextTimer(); // the backoff ends: attempt 2 finds the peer connected
        await pipeline.WhenIdleAsync().WaitAsync(RealTimeout, Ct);

        Assert.Equal(1, link.Restarts);
        Assert.Equal(2, _attempts.Count);
        Assert.Equal(IceRestartAttemptOutcome.TimedOut, _attempts[0].Outcome);
        Assert.Equal(IceRestartAttemptOutcome.Recovered, _attempts[1].Outcome);
        Assert.False(_attempts[1].OfferSent);
        Assert.Equal(1, pipeline.Recoveries);
    }

    [Fact]
    public async Task Closing_the_call_cancels_a_running_attempt_and_never_gives_up()
    {
        var link = new FakeRestartLink(offerer: true);
        var pipeline = Create(link, Options());
        var gaveUp = GaveUp(pipeline);
        var attempt = NextAttempt(pipeline);
        var restarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        link.OnRestart = _ => restarted.TrySetResult();
        pipeline.OnConnectionState(SessionConnectionState.Disconnected);
        _time.Advance(TimeSpan.FromSeconds(10));
        await restarted.Task.WaitAsync(RealTimeout, Ct);

        pipeline.OnConnectionState(SessionConnectionState.Closed);
        var last = await attempt.WaitAsync(RealTimeout, Ct);
        await pipeline.WhenIdleAsync().WaitAsync(RealTimeout, Ct);

        Assert.Equal(IceRestartAttemptOutcome.Cancelled, last.Outcome);
        Assert.False(gaveUp.IsCompleted);
        Assert.False(pipeline.IsRunning);
    }

    [Theory]
    [InlineData(0, 0.0, 1.0)]
    [InlineData(1, 0.0, 2.0)]
    [InlineData(2, 0.0, 3.0)] // 4 s capped at 3
    [InlineData(20, 0.0, 3.0)]
    [InlineData(0, 1.0, 0.8)] // full jitter takes 20% off
    [InlineData(1, 0.5, 1.8)]
    public void Backoff_doubles_per_retry_is_capped_and_jitter_only_shortens_it(int retry, double random, double expectedSeconds)
    {
        var delay = IceRestartResilience.BackoffDelay(Options(), retry, random);

        Assert.Equal(expectedSeconds, delay.TotalSeconds, 6);
    }

    [Fact]
    public void Disconnect_time_interval_is_raised_so_the_pipeline_decides_when_a_peer_is_given_up()
    {
        var options = Options();
        Assert.Equal(TimeSpan.FromSeconds(10 + 300 + 5), options.EffectiveDisconnectTimeInterval(TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(900), options.EffectiveDisconnectTimeInterval(TimeSpan.FromSeconds(900)));
        options.Enabled = false;
        Assert.Equal(TimeSpan.FromSeconds(30), options.EffectiveDisconnectTimeInterval(TimeSpan.FromSeconds(30)));
    }

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }

        _restarts.Dispose();
        _telemetry.Dispose();
        await _services.DisposeAsync();
    }
}
