using CallBot.TestSupport.ConnectyCube;

namespace CallBot.Interop.Tests;

/// <summary>
/// Two REAL SDK pages call each other through the Prosody fixture: proves the harness, Prosody and Chromium set-up, so a
/// later failure against a CallBot bot is the bot's. Every assertion reads the SDK's own listeners or getStats().
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BrowserToBrowserCallTests(SdkInteropFixture fixture)
{
    private static readonly TimeSpan HangUpLimit = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Video_call_is_accepted_media_flows_both_ways_and_caller_hang_up_ends_it_on_both_within_2_s()
    {
        await using var sdk = fixture.NewHarness();
        var a = await sdk.LoginAsync(fixture.NewUserId());
        var b = await sdk.LoginAsync(fixture.NewUserId());

        var sessionId = await a.CallAsync([b.UserId], SdkCallType.Video, new { purpose = "interop" });
        var incoming = await b.WaitForIncomingCallAsync();
        Assert.Equal(sessionId, incoming.SessionId);
        Assert.Equal(a.UserId, incoming.UserId);
        Assert.Equal("interop", incoming.UserInfo?.GetProperty("purpose").GetString());

        await b.AcceptAsync();
        var accept = await a.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId);
        Assert.Equal(b.UserId, accept.UserId);

        await a.WaitForEventAsync(SdkEventNames.ConnectionState, e => e.UserId == b.UserId && e.ConnectionState == SdkConnectionState.Connected);
        await b.WaitForEventAsync(SdkEventNames.ConnectionState, e => e.UserId == a.UserId && e.ConnectionState == SdkConnectionState.Connected);
        var remoteAtA = await a.WaitForEventAsync(SdkEventNames.RemoteStream, e => e.UserId == b.UserId);
        Assert.Equal(1, remoteAtA.Data.GetProperty("videoTracks").GetInt32());

        var (_, atA) = await a.WaitForMediaFlowAsync(b.UserId, minVideoFrames: 10, minAudioBytes: 2000);
        var (_, atB) = await b.WaitForMediaFlowAsync(a.UserId, minVideoFrames: 10, minAudioBytes: 2000);
        Assert.True(atA.OutboundVideo!.FramesEncoded > 0);
        Assert.True(atB.OutboundVideo!.FramesEncoded > 0);
        Assert.Equal("127.0.0.1", atA.SelectedPair?.RemoteAddress);
        Assert.Equal("udp", atA.SelectedPair?.Protocol);

        await a.HangUpAsync();
        var stop = await b.WaitForEventAsync(SdkEventNames.Stop, e => e.SessionId == sessionId, HangUpLimit);
        Assert.Equal(a.UserId, stop.UserId);
        var closedAtB = await b.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, HangUpLimit);
        var closedAtA = await a.WaitForEventAsync(SdkEventNames.Close, e => e.SessionId == sessionId, HangUpLimit);
        var dialed = await a.WaitForEventAsync(SdkEventNames.Dial, e => e.SessionId == sessionId);
        Assert.True(closedAtB.TimeMs - closedAtA.TimeMs < HangUpLimit.TotalMilliseconds, $"B closed {closedAtB.TimeMs - closedAtA.TimeMs:0} ms after A");
        Assert.True(closedAtA.TimeMs > dialed.TimeMs);
    }
}
