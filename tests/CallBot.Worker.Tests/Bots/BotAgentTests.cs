using CallBot.Signaling.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Worker.Tests.Bots;

/// <summary>
/// Call orchestration between bots on the loopback hub with fake peer connections, on the harness's fake time: a test
/// advances it once the timer it expects is armed, so call durations are asserted exactly.
/// </summary>
public sealed class BotAgentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Accept_policy_answers_and_the_caller_hangs_up_after_the_duration()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002);
        var caller = h.Start(1001);
        var calleeEnded = BotHarness.NextOutcomeAsync(callee);

        var call = caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMilliseconds(300), cancellationToken: Ct);
        await h.Time.ArmedAsync(TimeSpan.FromMilliseconds(300), Ct); // answered: the caller keeps the call up this long
        Assert.False(call.IsCompleted);
        h.Time.Advance(TimeSpan.FromMilliseconds(300));
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);
        var other = await calleeEnded;

        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Equal(CallDirection.Outgoing, outcome.Direction);
        Assert.Equal(TimeSpan.FromMilliseconds(300), outcome.Duration); // no fake time passed while it was set up
        Assert.Equal(CallDisposition.Completed, other.Result);
        Assert.Equal(CallDirection.Incoming, other.Direction);
        Assert.Equal(1001, other.RemoteUserId);
        Assert.Contains(h.Signals, s => s.From.StartsWith("1001-", StringComparison.Ordinal) && s.Signal == "hangUp");
        Assert.Equal(0, caller.ActiveCalls);
        Assert.Equal(0, callee.ActiveCalls);
    }

    [Fact]
    public async Task Reject_policy_rejects_without_busy()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002, new AnswerPolicyOptions { Policy = AnswerPolicy.Reject });
        var caller = h.Start(1001);
        var calleeEnded = BotHarness.NextOutcomeAsync(callee);

        var outcome = await caller.PlaceCallAsync([1002], CallType.Audio, TimeSpan.FromSeconds(30), cancellationToken: Ct).WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Rejected, outcome.Result);
        Assert.Equal(CallDisposition.Rejected, (await calleeEnded).Result);
        Assert.Contains(h.Signals, s => s.From.StartsWith("1002-", StringComparison.Ordinal) && s.Signal == "reject");
    }

    [Fact]
    public async Task Busy_policy_rejects_with_busy_true()
    {
        await using var h = new BotHarness();
        h.Start(1002, new AnswerPolicyOptions { Policy = AnswerPolicy.Busy });
        var caller = h.Start(1001);

        var outcome = await caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromSeconds(30), cancellationToken: Ct).WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Busy, outcome.Result);
    }

    [Fact]
    public async Task A_second_call_beyond_CallsPerBot_is_rejected_as_busy_while_the_first_goes_on()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002, callsPerBot: 1);
        var first = h.Start(1001);
        var second = h.Start(1003);
        var accepted = BotHarness.NextAcceptAsync(callee);
        using var stopFirst = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var firstCall = first.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: stopFirst.Token);
        await accepted;
        var calleeRefused = BotHarness.NextOutcomeAsync(callee);

        var secondOutcome = await second.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromSeconds(30), cancellationToken: Ct).WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Busy, secondOutcome.Result);
        // The caller can hear "busy" before the callee has closed the refused session: wait for the callee's side too.
        Assert.Equal(CallDisposition.Busy, (await calleeRefused).Result);
        Assert.False(firstCall.IsCompleted);
        Assert.Equal(1, callee.ActiveCalls);
        await stopFirst.CancelAsync();
        Assert.Equal(CallDisposition.Completed, (await firstCall.WaitAsync(BotHarness.Timeout, Ct)).Result);
    }

    [Fact]
    public async Task Callers_outside_the_allow_list_are_rejected_and_listed_ones_answered()
    {
        await using var h = new BotHarness();
        h.Start(1002, new AnswerPolicyOptions { AllowedCallers = [1001] });
        var stranger = h.Start(1009);
        var friend = h.Start(1001);

        var refused = await stranger.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMilliseconds(100), cancellationToken: Ct).WaitAsync(BotHarness.Timeout, Ct);
        var call = friend.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMilliseconds(100), cancellationToken: Ct);
        await h.Time.ArmedAsync(TimeSpan.FromMilliseconds(100), Ct); // answered
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        var welcomed = await call.WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Rejected, refused.Result);
        Assert.Equal(CallDisposition.Completed, welcomed.Result);
    }

    [Fact]
    public async Task Ignore_policy_lets_the_call_ring_out_unanswered()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002, new AnswerPolicyOptions { Policy = AnswerPolicy.Ignore });
        var caller = h.Start(1001);
        var calleeEnded = BotHarness.NextOutcomeAsync(callee);

        var call = caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromSeconds(30), cancellationToken: Ct);
        await h.Time.ArmedAsync(h.ClientOptions.AnswerTimeInterval, Ct); // the callee rings (the caller re-dials meanwhile)
        h.Time.Advance(h.ClientOptions.AnswerTimeInterval);
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.NotAnswered, outcome.Result);
        Assert.Equal(CallDisposition.Ignored, (await calleeEnded).Result);
        Assert.DoesNotContain(h.Signals, s => s.From.StartsWith("1002-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answer_delay_holds_the_accept_back()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002, new AnswerPolicyOptions { AnswerDelay = TimeSpan.FromMilliseconds(600) });
        var caller = h.Start(1001);
        var accepted = BotHarness.NextAcceptAsync(callee);

        var call = caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMilliseconds(100), cancellationToken: Ct);
        await h.Time.ArmedAsync(TimeSpan.FromMilliseconds(600), Ct); // the callee holds its accept
        h.Time.Advance(TimeSpan.FromMilliseconds(599));
        Assert.False(accepted.IsCompleted);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await accepted;
        await h.Time.ArmedAsync(TimeSpan.FromMilliseconds(100), Ct); // answered: the caller's call duration
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Equal(TimeSpan.FromMilliseconds(700), outcome.Duration);
    }

    [Fact]
    public async Task Max_call_duration_makes_the_callee_hang_up()
    {
        await using var h = new BotHarness();
        h.Start(1002, new AnswerPolicyOptions { MaxCallDuration = TimeSpan.FromMilliseconds(400) });
        var caller = h.Start(1001);

        var call = caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await h.Time.ArmedAsync(TimeSpan.FromMilliseconds(400), Ct); // the callee's limit, from its accept
        h.Time.Advance(TimeSpan.FromMilliseconds(400));
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Equal(TimeSpan.FromMilliseconds(400), outcome.Duration);
        Assert.Contains(h.Signals, s => s.From.StartsWith("1002-", StringComparison.Ordinal) && s.Signal == "hangUp");
    }

    [Fact]
    public async Task Shutdown_hangs_up_every_call_before_logging_out()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1002);
        var caller = h.Start(1001);
        var accepted = BotHarness.NextAcceptAsync(callee);
        var call = caller.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await accepted;

        await callee.DisposeAsync();
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct);

        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Contains(h.Signals, s => s.From.StartsWith("1002-", StringComparison.Ordinal) && s.Signal == "hangUp");
        Assert.Equal(Signaling.ChatConnectionState.Closed, callee.ChatState);
    }

    [Fact]
    public async Task The_process_call_limit_applies_across_bots()
    {
        await using var h = new BotHarness { Limiter = new CallLimiter(2) };
        var callee = h.Start(1002, callsPerBot: 4);
        var first = h.Start(1001);
        var second = h.Start(1003);
        var accepted = BotHarness.NextAcceptAsync(callee);
        using var stopFirst = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var firstCall = first.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: stopFirst.Token);
        await accepted;

        // Caller and callee hold the process's two slots: a third call cannot start.
        await Assert.ThrowsAsync<InvalidOperationException>(() => second.PlaceCallAsync([1002], CallType.Video, TimeSpan.FromSeconds(1), cancellationToken: Ct));
        await stopFirst.CancelAsync();
        await firstCall.WaitAsync(BotHarness.Timeout, Ct);
    }
}
