using System.Text.Json;
using CallBot.Worker.Cli;

namespace CallBot.Worker.Tests.EndToEnd;

/// <summary>The real demo: two bots, real WebRTC over loopback, synthetic media both ways, both sides recorded.</summary>
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
