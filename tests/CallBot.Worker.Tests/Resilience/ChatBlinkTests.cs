using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Bots;
using CallBot.Worker.Tests.Bots;

namespace CallBot.Worker.Tests.Resilience;

/// <summary>Chat loss mid-call at the bot level (loopback hub, fake peer connections): calls survive it, signals wait for it.</summary>
public sealed class ChatBlinkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_chat_blink_ends_no_call_and_a_hangUp_made_while_offline_reaches_the_peer_after_reconnect()
    {
        await using var h = new BotHarness();
        var callee = h.Start(1202);
        var chat = new BlinkingChat(h.Hub.Connect(1201));
        var caller = h.Start(1201, transport: chat);
        var accepted = BotHarness.NextAcceptAsync(callee);
        var calleeEnded = BotHarness.NextOutcomeAsync(callee);
        var callerSawAccept = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        caller.Client.Accepted += (_, _) => callerSawAccept.TrySetResult();
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = caller.PlaceCallAsync([1202], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: hangUp.Token);
        await accepted.WaitAsync(BotHarness.Timeout, Ct);

        // The callee accepting is not the caller having applied the accept: wait for that too, or the hang-up below
        // can overtake it and end the call as not answered.
        await callerSawAccept.Task.WaitAsync(BotHarness.Timeout, Ct);
        await caller.Client.WhenIdleAsync().WaitAsync(BotHarness.Timeout, Ct);

        chat.GoOffline();
        await chat.GoOnlineAsync().WaitAsync(BotHarness.Timeout, Ct);
        Assert.Equal(1, caller.ActiveCalls);
        Assert.Equal(1, callee.ActiveCalls);

        chat.GoOffline();
        await hangUp.CancelAsync();
        var outcome = await call.WaitAsync(BotHarness.Timeout, Ct); // ends here at once: the hangUp waits in the queue
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        await Poll.UntilAsync(() => chat.Queued, n => n == 1, BotHarness.Timeout, n => $"{n} queued", cancellationToken: TestContext.Current.CancellationToken); // the hangUp, sent on the client's sender queue
        Assert.Equal(1, callee.ActiveCalls);
        Assert.DoesNotContain(h.Signals, s => s.From.StartsWith("1201-", StringComparison.Ordinal) && s.Signal == "hangUp");

        await chat.GoOnlineAsync().WaitAsync(BotHarness.Timeout, Ct);
        var other = await calleeEnded.WaitAsync(BotHarness.Timeout, Ct);

        Assert.True(other.EndedByRemote);
        Assert.Equal(CallDisposition.Completed, other.Result);
        Assert.Contains(h.Signals, s => s.From.StartsWith("1201-", StringComparison.Ordinal) && s.Signal == "hangUp");
        Assert.Equal(0, chat.Queued);
    }

    [Fact]
    public async Task A_bot_whose_chat_stays_offline_still_shuts_down_within_its_timeouts()
    {
        var h = new BotHarness();
        var chat = new BlinkingChat(h.Hub.Connect(1203));
        var caller = h.Start(1203, transport: chat); // disposed first, so its hangUp is the one waiting for the chat
        var callee = h.Start(1204);
        var accepted = BotHarness.NextAcceptAsync(callee);
        _ = caller.PlaceCallAsync([1204], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await accepted.WaitAsync(BotHarness.Timeout, Ct);
        await Poll.UntilAsync(() => caller.ActiveCalls, n => n == 1, BotHarness.Timeout, n => $"{n} active calls", cancellationToken: TestContext.Current.CancellationToken);
        await caller.Client.WhenEventsRaisedAsync().WaitAsync(BotHarness.Timeout, Ct); // the accept's own signals are out

        chat.GoOffline();
        await h.DisposeAsync().AsTask().WaitAsync(BotHarness.Timeout, Ct); // the hangUp can never leave: shutdown gives up on it
        Assert.True(chat.Queued >= 1, "the hangUp waited for the chat");
    }
}
