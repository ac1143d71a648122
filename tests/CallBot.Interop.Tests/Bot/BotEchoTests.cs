using System.Globalization;
using System.Text.Json;
using CallBot.TestSupport;
using CallBot.TestSupport.ConnectyCube;
using CallBot.TestSupport.Prosody;
using CallBot.Worker;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallBot.Interop.Tests.Bot;

/// <summary>
/// Issue 7, <c>media: echo</c> over real WebRTC: the REAL ConnectyCube SDK in Chromium calls a bot whose media is echo; the
/// bot sends the page's own VP8 and Opus back without transcoding, on its own SSRCs. The page decodes its own picture: its
/// inbound video has the size of what it sends (the fake camera; the bot has no 640x360 card of its own in this mode).
/// </summary>
[Collection(SdkInteropCollection.Name)]
public sealed class BotEchoTests(SdkInteropFixture fixture)
{
    private const string Password = "echo-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Browser_calls_an_echo_bot_and_decodes_its_own_video_and_audio_sent_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var botId = fixture.NewUserId();
        await fixture.Prosody.RegisterUserAsync(botId, BotHostFixture.AppId, Password);
        using var host = EchoHost(fixture.Prosody);
        await host.StartAsync(ct);
        try
        {
            var runtime = host.Services.GetRequiredService<CallBotRuntime>();
            await using var bot = await runtime.StartBotAsync(
                new BotOptions { UserId = botId, Password = Password, Media = new MediaOptions { Source = MediaSourceKind.Echo } }, ct);
            var ended = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            bot.CallEnded += (_, outcome) => ended.TrySetResult(outcome);
            await using var sdk = fixture.NewHarness();
            var browser = await sdk.LoginAsync(fixture.NewUserId());

            var sessionId = await browser.CallAsync([botId], SdkCallType.Video);
            await browser.WaitForEventAsync(SdkEventNames.Accept, e => e.SessionId == sessionId, Timeout);
            var (_, atBrowser) = await browser.WaitForMediaFlowAsync(botId, minVideoFrames: 30, minAudioBytes: 4000, sessionId, Timeout);
            Assert.Contains("vp8", atBrowser.InboundVideo!.Codec, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("opus", atBrowser.InboundAudio!.Codec, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("connected", atBrowser.IceConnectionState);

            // Chrome may scale its camera under CPU load: the echo follows, one round trip later.
            var video = await WaitForEchoedSizeAsync(browser, sessionId, botId);
            Assert.True(video.SentWidth > 0 && video.SentHeight > 0, video.ToString());
            Assert.Equal((video.SentWidth, video.SentHeight), (video.ReceivedWidth, video.ReceivedHeight));
            Assert.NotEqual(video.SentSsrc, video.ReceivedSsrc);
            Assert.NotEqual(atBrowser.OutboundAudio!.Ssrc, atBrowser.InboundAudio.Ssrc);

            await browser.HangUpAsync(sessionId);
            var outcome = await ended.Task.WaitAsync(Timeout, ct);
            Assert.Equal(CallDisposition.Completed, outcome.Result);
            Assert.True(outcome.MediaFlowed, $"sent {outcome.FramesSent} video {outcome.Media.VideoFramesReceived} audio {outcome.Media.AudioFramesReceived}");
            Assert.True(outcome.Media.VideoFramesSent > 0 && outcome.Media.AudioFramesSent > 0, "the bot echoed nothing");
            Assert.True(outcome.Media.VideoFramesSent <= outcome.Media.VideoFramesReceived, "an echo bot sends no video of its own");
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A worker host whose bots log into the interop Prosody over ws://, loopback candidates only, no recording.</summary>
    private static IHost EchoHost(ProsodyFixture prosody)
    {
        var builder = CallBotHost.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
            ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
            ["CallBot:Chat:AppId"] = BotHostFixture.AppId.ToString(CultureInfo.InvariantCulture),
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
            ["CallBot:Recording:Enabled"] = "false",
            ["CallBot:Telemetry:HealthPrefix"] = string.Empty,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(TestLog.ToTestOutput("bot"));
        return builder.Build();
    }

    /// <summary>Samples the page's video getStats until what it receives has the size of what it sends (both non-zero).</summary>
    private static Task<EchoedVideo> WaitForEchoedSizeAsync(ConnectyCubeBrowserClient browser, string sessionId, int botId) =>
        CallBot.TestSupport.Poll.UntilAsync(
            async _ => JsonSerializer.Deserialize<EchoedVideo>(await browser.Page.EvaluateAsync<string>(VideoStatsScript, new object[] { sessionId, botId }), JsonOptions)!,
            video => video.SentWidth > 0 && video.SentWidth == video.ReceivedWidth && video.SentHeight == video.ReceivedHeight,
            Timeout,
            video => $"the browser sends {video.SentWidth}x{video.SentHeight} and receives {video.ReceivedWidth}x{video.ReceivedHeight}",
            TimeSpan.FromMilliseconds(200),
            TestContext.Current.CancellationToken);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private const string VideoStatsScript = """
        async ([s, u]) => {
          const pc = window.cbHarness.sessions[s].peerConnections[u];
          const v = { sentWidth: 0, sentHeight: 0, sentSsrc: 0, receivedWidth: 0, receivedHeight: 0, receivedSsrc: 0 };
          (await pc.getStats()).forEach((x) => {
            if (x.kind !== 'video') return;
            if (x.type === 'outbound-rtp') { v.sentWidth = x.frameWidth ?? 0; v.sentHeight = x.frameHeight ?? 0; v.sentSsrc = x.ssrc; }
            if (x.type === 'inbound-rtp') { v.receivedWidth = x.frameWidth ?? 0; v.receivedHeight = x.frameHeight ?? 0; v.receivedSsrc = x.ssrc; }
          });
          return JSON.stringify(v);
        }
        """;

    private sealed record EchoedVideo(int SentWidth, int SentHeight, long SentSsrc, int ReceivedWidth, int ReceivedHeight, long ReceivedSsrc);
}
