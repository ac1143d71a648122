using System.Text.RegularExpressions;
using CallBot.Rtc;
using CallBot.Rtc.Transport;
using CallBot.TestSupport.ConnectyCube;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 21, single-port mode against the REAL SDK: two bots of this process share one UDP port (one
/// <see cref="SharedPortSocketFactory"/> made from <c>CallBot:Rtc:SinglePort</c>, as <see cref="CallBotRuntime"/> gives
/// every bot of a process) and two Chromium pages call them at the same time. Both calls connect with media both ways,
/// both bots announce (and the pages select) host candidates on the one shared port, and the port routed every datagram
/// to its connection: none unrouted, no address or ufrag conflicts. Then one page restarts ICE and its call recovers on
/// the same port (the new ufrag is routed) while the other call goes on.
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed partial class BotSinglePortTests(SdkInteropFixture fixture, BotHostFixture bots)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_pages_call_two_bots_on_one_shared_port_at_once_both_get_media_both_ways_and_an_ICE_restart_recovers()
    {
        await using var sharedPort = new SharedPortSocketFactory(new RtcOptions { SinglePort = true }.ToSharedPortOptions());
        var spec = new BotSpec { Sockets = sharedPort };
        await using var sdk = fixture.NewHarness();
        await using var botA = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), spec, Ct);
        await using var botB = await bots.StartBotAsync(fixture.Prosody, fixture.NewUserId(), spec, Ct);
        var pageA = await sdk.LoginAsync(fixture.NewUserId());
        var pageB = await sdk.LoginAsync(fixture.NewUserId());

        var callA = pageA.CallAsync([botA.UserId], SdkCallType.Video);
        var callB = pageB.CallAsync([botB.UserId], SdkCallType.Video);
        var sessionA = await callA;
        var sessionB = await callB;
        await Task.WhenAll(botA.AcceptedAsync(sessionA, Timeout), botB.AcceptedAsync(sessionB, Timeout));
        await Task.WhenAll(MediaBothWaysAsync(pageA, botA, sessionA), MediaBothWaysAsync(pageB, botB, sessionB));

        var port = Assert.Single(sharedPort.LocalEndPoints).Port;
        Assert.Equal(2, sharedPort.ConnectionCount);
        foreach (var (page, bot, session) in new[] { (pageA, botA, sessionA), (pageB, botB, sessionB) })
        {
            // What the page was told: every host candidate in the bot's signals (its answer, its trickled candidates).
            var ports = HostCandidatePorts(await page.GetStanzasAsync());
            Assert.NotEmpty(ports);
            Assert.All(ports, p => Assert.Equal(port, p));
            var pair = (await page.GetStatsAsync(bot.UserId, session)).SelectedPair;
            Assert.Equal(port, pair?.RemotePort);
        }

        AssertEveryDatagramRouted(sharedPort);

        // Page A restarts ICE towards bot A: the fresh ufrag is routed on the same port, media recovers, call B goes on.
        var pcA = botA.Connection(sessionA, pageA.UserId)!.PeerConnection;
        var oldUfrag = Ufrag(pcA.LocalDescription);
        Assert.True(await pageA.IceRestartAsync(botA.UserId));
        await pageA.WaitForEventAsync(SdkEventNames.SignalReceived, e => e.SignalType == "iceRestartAccept");
        Assert.NotEqual(oldUfrag, Ufrag(pcA.LocalDescription));
        await Task.WhenAll(MediaBothWaysAsync(pageA, botA, sessionA, minVideoFrames: 30), MediaBothWaysAsync(pageB, botB, sessionB, minVideoFrames: 30));
        await botA.WaitForConnectionStateAsync(sessionA, pageA.UserId, PeerConnectionState.Connected, Timeout);
        Assert.Equal(port, (await pageA.GetStatsAsync(botA.UserId, sessionA)).SelectedPair?.RemotePort);
        Assert.Equal(2, sharedPort.ConnectionCount);
        AssertEveryDatagramRouted(sharedPort);
        Assert.True(sharedPort.Counters[SharedPortCounter.RoutedByUfrag] > 0);
        Assert.True(sharedPort.Counters[SharedPortCounter.RoutedByAddress] > 0);

        await pageA.HangUpAsync();
        await pageB.HangUpAsync();
        foreach (var (bot, session) in new[] { (botA, sessionA), (botB, sessionB) })
        {
            var outcome = await bot.EndedAsync(session, Timeout);
            Assert.Equal(CallDisposition.Completed, outcome.Result);
            Assert.True(outcome.MediaFlowed, $"bot {bot.UserId}: sent {outcome.FramesSent} video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived}");
            Assert.Null(outcome.Error);
        }
    }

    /// <summary>Frames decoded at the page from the bot, and frames assembled at the bot from the page.</summary>
    private static async Task MediaBothWaysAsync(ConnectyCubeBrowserClient page, InteropBot bot, string sessionId, int minVideoFrames = 15)
    {
        var (_, atPage) = await page.WaitForMediaFlowAsync(bot.UserId, minVideoFrames, minAudioBytes: 2000, sessionId: sessionId);
        Assert.True(atPage.InboundVideo!.FrameWidth > 0);
        var (before, atBot) = await bot.WaitForMediaFromAsync(sessionId, page.UserId, minVideoFrames, minAudioFrames: 50, Timeout);
        Assert.True(atBot.FramesSent > before.FramesSent, $"bot {bot.UserId} stopped sending");
    }

    /// <summary>Nothing dropped for want of an owner and no owner taken from another connection (the page's stray packets after a hang-up come later).</summary>
    private static void AssertEveryDatagramRouted(SharedPortSocketFactory port)
    {
        var counters = port.Counters;
        Assert.True(counters[SharedPortCounter.Received] > 0);
        Assert.Equal(0, counters[SharedPortCounter.Unrouted]);
        Assert.Equal(0, counters[SharedPortCounter.AddressConflicts]);
        Assert.Equal(0, counters[SharedPortCounter.UfragConflicts]);
        Assert.Equal(0, counters[SharedPortCounter.ConnectionsRefused]);
    }

    /// <summary>Ports of the host candidates in the call signals a page received (each page here talks to one bot).</summary>
    private static List<int> HostCandidatePorts(IReadOnlyList<SdkStanza> stanzas) =>
        [.. stanzas.Where(s => !s.Outgoing && s.IsCallSignal)
            .SelectMany(s => HostCandidate().Matches(s.Xml))
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    private static string Ufrag(string? sdp)
    {
        var match = UfragPattern().Match(sdp ?? string.Empty);
        Assert.True(match.Success, $"no a=ice-ufrag in: {sdp}");
        return match.Groups[1].Value;
    }

    // candidate:<foundation> <component> udp <priority> <address> <port> typ host (in SDP or a trickled candidate)
    [GeneratedRegex(@"candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host", RegexOptions.IgnoreCase)]
    private static partial Regex HostCandidate();

    [GeneratedRegex(@"a=ice-ufrag:([A-Za-z0-9+/]+)")]
    private static partial Regex UfragPattern();
}
