using System.Text.RegularExpressions;
using CallBot.Rtc;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport;
using CallBot.Worker.Bots;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 8 must-show (ICE restart with the real SDK): the side that made the offer restarts ICE — the SDK in Chromium
/// (<c>session.iceRestart(botUserId)</c>) towards a bot, and a bot (<see cref="CallSession.IceRestartAsync"/>) towards
/// the SDK. Both exchange <c>iceRestart</c>/<c>iceRestartAccept</c> with fresh ICE credentials on both sides (the ufrags
/// read from the stanzas on the wire and from the bot's own descriptions) and media keeps arriving both ways afterwards.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed partial class BotIceRestartTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browser_offerer_restarts_ICE_towards_the_bot_credentials_change_and_media_recovers_both_ways()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var sessionId = await browser.CallAsync([bot.UserId]);
        await bot.AcceptedAsync(sessionId, Timeout);
        await MediaBothWaysAsync(browser, bot, sessionId);
        var pc = bot.Connection(sessionId, browser.UserId)!.PeerConnection;
        var oldOfferUfrag = Ufrag(pc.RemoteDescription);
        var oldAnswerUfrag = Ufrag(pc.LocalDescription);
        Assert.False(Assert.IsType<CallSession>(bot.Session(sessionId)).CanInitiateIceRestart(browser.UserId));

        Assert.True(await browser.IceRestartAsync(bot.UserId));

        var offer = await StanzaOfAsync(browser, SdkEventNames.SignalSent, "iceRestart");
        var answer = await StanzaOfAsync(browser, SdkEventNames.SignalReceived, "iceRestartAccept");
        var newOfferUfrag = Ufrag(offer);
        var newAnswerUfrag = Ufrag(answer);
        Assert.NotEqual(oldOfferUfrag, newOfferUfrag);
        Assert.NotEqual(oldAnswerUfrag, newAnswerUfrag);
        Assert.Equal(newOfferUfrag, Ufrag(pc.RemoteDescription));
        Assert.Equal(newAnswerUfrag, Ufrag(pc.LocalDescription));

        await AssertMediaRecoversAsync(browser, bot, sessionId);
    }

    [Fact]
    public async Task Bot_offerer_restarts_ICE_towards_the_browser_credentials_change_media_recovers_and_the_recording_decodes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var sdk = fixture.NewHarness();
        await using var bot = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), cancellationToken: ct);
        var browser = await sdk.LoginAsync(fixture.NewUserId());
        var call = bot.Agent.PlaceCallAsync([browser.UserId], CallType.Video, TimeSpan.FromMinutes(5), cancellationToken: ct);
        var sessionId = (await browser.WaitForIncomingCallAsync()).SessionId!;
        await browser.AcceptAsync();
        await MediaBothWaysAsync(browser, bot, sessionId);
        var oldOfferUfrag = Ufrag(await StanzaOfAsync(browser, SdkEventNames.SignalReceived, "call"));
        var oldAnswerUfrag = Ufrag(await StanzaOfAsync(browser, SdkEventNames.SignalSent, "accept"));
        var pc = bot.Connection(sessionId, browser.UserId)!.PeerConnection;
        Assert.Equal(oldOfferUfrag, Ufrag(pc.LocalDescription));
        Assert.Equal(oldAnswerUfrag, Ufrag(pc.RemoteDescription));
        var session = Assert.IsType<CallSession>(bot.Session(sessionId));
        Assert.True(session.CanInitiateIceRestart(browser.UserId));

        await session.IceRestartAsync(browser.UserId, ct);

        var offer = await StanzaOfAsync(browser, SdkEventNames.SignalReceived, "iceRestart");
        var answer = await StanzaOfAsync(browser, SdkEventNames.SignalSent, "iceRestartAccept");
        var newOfferUfrag = Ufrag(offer);
        var newAnswerUfrag = Ufrag(answer);
        Assert.NotEqual(oldOfferUfrag, newOfferUfrag);
        Assert.NotEqual(oldAnswerUfrag, newAnswerUfrag);
        Assert.Equal(newOfferUfrag, Ufrag(pc.LocalDescription));
        await Poll.UntilAsync(() => Ufrag(pc.RemoteDescription), u => u == newAnswerUfrag, Timeout, u => $"bot's remote ufrag {u}, expected {newAnswerUfrag}", cancellationToken: TestContext.Current.CancellationToken);

        await AssertMediaRecoversAsync(browser, bot, sessionId);

        await session.StopAsync(cancellationToken: ct);
        var outcome = await call.WaitAsync(Timeout, ct);
        Assert.Equal(CallDisposition.Completed, outcome.Result);
        Assert.Null(outcome.Error);
        await RecordingAssert.ValidAsync(outcome, expectVideo: true, minSeconds: 2.5);
    }

    private static async Task MediaBothWaysAsync(ConnectyCubeBrowserClient browser, InteropBot bot, string sessionId)
    {
        await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 10, minAudioBytes: 2000, sessionId: sessionId);
        await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 10, minAudioFrames: 50, Timeout);
    }

    /// <summary>After the restart: fresh frames both ways, both ends connected, and the call still up on both.</summary>
    private static async Task AssertMediaRecoversAsync(ConnectyCubeBrowserClient browser, InteropBot bot, string sessionId)
    {
        var (_, atBrowser) = await browser.WaitForMediaFlowAsync(bot.UserId, minVideoFrames: 20, minAudioBytes: 4000, sessionId: sessionId);
        Assert.True(atBrowser.IceConnectionState is "connected" or "completed", atBrowser.IceConnectionState);
        var (before, after) = await bot.WaitForMediaFromAsync(sessionId, browser.UserId, minVideoFrames: 30, minAudioFrames: 100, Timeout);
        Assert.True(after.BytesReceived > before.BytesReceived);
        Assert.True(after.FramesSent > before.FramesSent, "the bot stopped sending");
        await bot.WaitForConnectionStateAsync(sessionId, browser.UserId, PeerConnectionState.Connected, Timeout);
        Assert.Equal(CallSessionState.Active, bot.Session(sessionId)?.State);
        Assert.DoesNotContain(browser.Events, e => e.SessionId == sessionId && e.Name is SdkEventNames.Stop or SdkEventNames.Close);
    }

    /// <summary>The XML of the first call-signaling stanza of that type the page sent or received.</summary>
    private static async Task<string> StanzaOfAsync(ConnectyCubeBrowserClient browser, string direction, string signalType)
    {
        var signal = await browser.WaitForEventAsync(direction, e => e.SignalType == signalType);
        return (await browser.GetStanzasAsync())[signal.Data.GetProperty("index").GetInt32()].Xml;
    }

    private static string Ufrag(string? sdp)
    {
        var match = UfragPattern().Match(sdp ?? string.Empty);
        Assert.True(match.Success, $"no a=ice-ufrag in: {sdp}");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"a=ice-ufrag:([A-Za-z0-9+/]+)")]
    private static partial Regex UfragPattern();
}
