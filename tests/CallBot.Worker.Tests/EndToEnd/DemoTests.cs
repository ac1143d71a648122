using System.Text.Json;
using CallBot.Worker.Cli;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>The real demo: two bots, real WebRTC over loopback, synthetic media both ways, both sides recorded.</summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_call_completes_with_media_both_ways_and_two_valid_recordings()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = new DirectoryInfo(Path.Combine(Path.GetTempPath(), "callbot-demo-test-" + Guid.NewGuid().ToString("N")[..8]));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        try
        {
            var code = await DemoCommand.RunAsync(new CliOutput(json: true, stdout, stderr), TimeSpan.FromSeconds(4), dir, ct);

            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            using var doc = JsonDocument.Parse(stdout.ToString());
            var calls = doc.RootElement.GetProperty("calls").EnumerateArray().ToList();
            Assert.Equal(2, calls.Count);
            foreach (var call in calls)
            {
                Assert.Equal("Completed", call.GetProperty("result").GetString());
                Assert.True(call.GetProperty("mediaFlowed").GetBoolean());
                Assert.True(call.GetProperty("videoFramesReceived").GetInt64() >= 60, call.ToString());
                Assert.True(call.GetProperty("audioFramesReceived").GetInt64() >= 100, call.ToString());
                Assert.True(call.GetProperty("setupMs").GetDouble() > 0);
            }

            var recordings = doc.RootElement.GetProperty("recordings").EnumerateArray().ToList();
            Assert.Equal(2, recordings.Count);
            foreach (var recording in recordings)
            {
                Assert.True(recording.GetProperty("valid").GetBoolean(), recording.ToString());
                Assert.Contains("video:vp8", recording.GetProperty("streams").GetString(), StringComparison.Ordinal);
                Assert.Contains("audio:opus", recording.GetProperty("streams").GetString(), StringComparison.Ordinal);
                Assert.Equal(string.Empty, await FfmpegDecode.ErrorsAsync(recording.GetProperty("file").GetString()!, ct));
            }

            Assert.Equal(2, Directory.GetFiles(dir.FullName, "session-*.json", SearchOption.AllDirectories).Length);
        }
        finally
        {
            if (dir.Exists)
            {
                dir.Delete(recursive: true);
            }
        }
    }
}

/// <summary>An audio-only call over real WebRTC through the loopback hub: one m-line, audio-only recordings.</summary>
[Collection(RealWebRtcCollection.Name)]
public sealed class AudioOnlyCallTests
{
    [Fact]
    public async Task Audio_call_negotiates_audio_only_and_records_audio_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Path.Combine(Path.GetTempPath(), "callbot-audio-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new Dictionary<string, string?>
        {
            ["CallBot:Chat:Endpoint"] = string.Empty,
            ["CallBot:VideoChat:LoopbackCandidatesOnly"] = "true",
            ["CallBot:Media:Renditions"] = "1",
            ["CallBot:Media:CacheDirectory"] = Path.Combine(Path.GetTempPath(), "callbot-clips"),
            ["CallBot:Recording:Enabled"] = "true",
            ["CallBot:Recording:Directory"] = dir,
        };
        try
        {
            await using var host = await CliHost.StartAsync(settings, null, Microsoft.Extensions.Logging.LogLevel.Warning, ct);
            await using var callee = await host.Runtime.StartBotAsync(new Options.BotOptions { UserId = 4002, Password = "x" }, ct);
            await using var caller = await host.Runtime.StartBotAsync(new Options.BotOptions { UserId = 4001, Password = "x", Role = Options.BotRole.Call }, ct);
            var calleeEnded = new TaskCompletionSource<CallBot.Worker.Bots.CallSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            callee.CallEnded += (_, o) => calleeEnded.TrySetResult(o);

            var outcome = await caller.PlaceCallAsync([4002], Signaling.ConnectyCube.CallType.Audio, TimeSpan.FromSeconds(2), timeFromMedia: true, ct)
                .WaitAsync(TimeSpan.FromSeconds(90), ct);
            var other = await calleeEnded.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

            foreach (var o in new[] { outcome, other })
            {
                Assert.Equal(CallBot.Worker.Bots.CallDisposition.Completed, o.Result);
                Assert.False(o.Video);
                Assert.True(o.MediaFlowed);
                Assert.Equal(0, o.Media.VideoFramesReceived);
                Assert.Equal(0, o.Media.VideoFramesSent);
                Assert.True(o.Media.AudioFramesReceived >= 50, $"audio frames {o.Media.AudioFramesReceived}");
                var check = await RecordingCheck.ProbeAsync(Assert.Single(o.RecordingFiles), expectVideo: false, minSeconds: 1, ct);
                Assert.True(check.Valid, check.Error);
                Assert.Equal("audio:opus", check.Streams);
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
