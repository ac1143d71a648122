using CallBot.TestSupport.ConnectyCube;

namespace CallBot.Interop.Tests;

/// <summary>The harness itself: login over ws:// and wss://, clear failures, event waits, stanza log, diagnostics.</summary>
[Collection(SdkInteropCollection.Name)]
public sealed class SdkHarnessTests(SdkInteropFixture fixture)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Login_over_websocket_binds_a_jid_and_sends_initial_presence(bool secure)
    {
        await using var sdk = fixture.NewHarness(new ConnectyCubeSdkOptions { SecureWebSocket = secure });
        var userId = fixture.NewUserId();

        var client = await sdk.LoginAsync(userId);

        Assert.Equal(secure ? "wss" : "ws", sdk.ChatUrl.Scheme);
        Assert.True(client.LoginTime > TimeSpan.Zero);
        var stanzas = await client.GetStanzasAsync();
        Assert.Contains(stanzas, s => !s.Outgoing && s.Xml.Contains($"<jid>{userId}-1@localhost/", StringComparison.Ordinal));
        Assert.Contains(stanzas, s => s.Outgoing && s.Xml.StartsWith("<presence", StringComparison.Ordinal));
        Assert.Contains(stanzas, s => s.Outgoing && s.Xml.Contains("PLAIN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_password_fails_login_with_the_user_and_the_reason()
    {
        await using var sdk = fixture.NewHarness();
        var userId = fixture.NewUserId();
        await sdk.RegisterAsync(userId, "right-password");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sdk.LoginAsync(userId, "wrong-password"));

        Assert.Contains($"user {userId} could not log in", error.Message, StringComparison.Ordinal);
        Assert.Contains("not-authorized", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Event_wait_times_out_with_the_events_so_far_and_matches_events_that_already_happened()
    {
        await using var sdk = fixture.NewHarness();
        var a = await sdk.LoginAsync(fixture.NewUserId());
        var b = await sdk.LoginAsync(fixture.NewUserId());
        var sessionId = await a.CallAsync([b.UserId], SdkCallType.Audio);
        await b.WaitForIncomingCallAsync();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => a.WaitForEventAsync(SdkEventNames.Accept, timeout: TimeSpan.FromMilliseconds(300)));
        Assert.Contains($"user {a.UserId}: no 'accept' event", error.Message, StringComparison.Ordinal);
        Assert.Contains(" dial session=" + sessionId, error.Message, StringComparison.Ordinal);

        var sent = await a.WaitForEventAsync(SdkEventNames.SignalSent, e => e.SignalType == "call");
        var again = await a.WaitForEventAsync(SdkEventNames.SignalSent, e => e.SignalType == "call");
        Assert.Equal(sent.Seq, again.Seq);
        await Assert.ThrowsAsync<TimeoutException>(() => b.WaitForIncomingCallAsync(TimeSpan.FromMilliseconds(300)));
        await a.HangUpAsync();
        await b.WaitForEventAsync(SdkEventNames.Stop, e => e.SessionId == sessionId);
    }

    [Fact]
    public async Task Methods_without_a_session_say_so()
    {
        await using var sdk = fixture.NewHarness();
        var a = await sdk.LoginAsync(fixture.NewUserId());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => a.HangUpAsync());
        Assert.Contains("no current session", error.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => a.AcceptAsync("no-such-session"));
        Assert.Contains("no session no-such-session", unknown.Message, StringComparison.Ordinal);
    }
}
