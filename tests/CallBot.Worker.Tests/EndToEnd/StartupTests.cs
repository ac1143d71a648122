using System.Globalization;
using CallBot.Signaling.ConnectyCube;
using CallBot.TestSupport.Prosody;
using CallBot.Worker.Bots;
using CallBot.Worker.Cli;
using CallBot.Worker.Options;
using Microsoft.Extensions.Logging;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>
/// Startup logs in first and prepares media in parallel: a bot whose clips are not cached is online long before they are
/// encoded, and a call placed 100 ms after it started — before it is even online, as with a bot Docker just restarted —
/// is answered (the caller re-sends <c>call</c> every <c>dialingTimeInterval</c>, the bot accepts once its media is ready),
/// never dropped. Real Prosody, real WebRTC on loopback.
/// </summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class StartupTests(ProsodyFixture prosody) : IClassFixture<ProsodyFixture>
{
    private const int AppId = 1;
    private const string Password = "startup-secret";
    private const int CallerId = 3201;
    private const int CalleeId = 3202;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string?> Settings(string cacheDirectory, int renditions) => new()
    {
        ["CallBot:Chat:Endpoint"] = prosody.WebSocketEndpoint.ToString(),
        ["CallBot:Chat:Domain"] = ProsodyFixture.Domain,
        ["CallBot:Chat:AppId"] = AppId.ToString(CultureInfo.InvariantCulture),
        ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
        ["CallBot:VideoChat:DialingTimeInterval"] = "1",
        ["CallBot:Media:Renditions"] = renditions.ToString(CultureInfo.InvariantCulture),
        ["CallBot:Media:CacheDirectory"] = cacheDirectory,
    };

    [Fact]
    public async Task A_call_sent_100_ms_after_start_is_answered_once_media_is_ready()
    {
        await prosody.RegisterUserAsync(CallerId, AppId, Password);
        await prosody.RegisterUserAsync(CalleeId, AppId, Password);
        var coldCache = Directory.CreateTempSubdirectory("callbot-cold-clips-").FullName;
        try
        {
            await using var callerHost = await CliHost.StartAsync(Settings(Path.Combine(Path.GetTempPath(), "callbot-clips"), 1), null, LogLevel.Warning, Ct);
            await using var caller = await callerHost.Runtime.StartBotAsync(new BotOptions { UserId = CallerId, Password = Password, Role = BotRole.Call }, Ct);
            await caller.MediaReady.WaitAsync(Timeout, Ct);
            await using var calleeHost = await CliHost.StartAsync(Settings(coldCache, 2), null, LogLevel.Warning, Ct);

            // t = 0: the callee starts (empty clip cache: two renditions to encode); t = 100 ms: the call goes out.
            var starting = calleeHost.Runtime.StartBotAsync(new BotOptions { UserId = CalleeId, Password = Password }, Ct);
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            var placing = caller.PlaceCallAsync([CalleeId], CallType.Video, TimeSpan.FromSeconds(2), cancellationToken: Ct);

            await using var callee = await starting.WaitAsync(Timeout, Ct);
            Assert.True(callee.IsOnline);
            Assert.False(callee.MediaReady.IsCompleted, "the bot waited for its media before going online");
            var calleeEnded = new TaskCompletionSource<CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            callee.CallEnded += (_, o) => calleeEnded.TrySetResult(o);

            var outcome = await placing.WaitAsync(Timeout, Ct);
            var other = await calleeEnded.Task.WaitAsync(Timeout, Ct);
            Assert.True(callee.MediaReady.IsCompletedSuccessfully);
            foreach (var o in new[] { outcome, other })
            {
                Assert.True(o.Result == CallDisposition.Completed, $"{o.BotUserId}: {o.Result} {o.Error}");
                Assert.True(o.MediaFlowed, $"{o.BotUserId}: video {o.Media.VideoFramesReceived} audio {o.Media.AudioFramesReceived} sent {o.FramesSent}");
            }

            Assert.NotEmpty(Directory.GetFiles(coldCache)); // the encoded clips went to the disk cache for the next start
        }
        finally
        {
            Directory.Delete(coldCache, recursive: true);
        }
    }
}
