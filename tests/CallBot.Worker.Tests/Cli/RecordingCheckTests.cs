using CallBot.Worker.Cli;

namespace CallBot.Worker.Tests.Cli;

public sealed class RecordingCheckTests
{
    private const string Good = """
        {"programs":[],"streams":[{"codec_name":"vp8","codec_type":"video"},{"codec_name":"opus","codec_type":"audio"}],"format":{"duration":"4.980000"}}
        """;

    [Fact]
    public void Both_streams_and_enough_duration_are_valid()
    {
        var check = RecordingCheck.Evaluate("a.webm", Good, expectVideo: true, minSeconds: 2.5);

        Assert.True(check.Valid, check.Error);
        Assert.Equal(4.98, check.DurationSeconds, 3);
        Assert.Equal("video:vp8 audio:opus", check.Streams);
    }

    [Theory]
    [InlineData("""{"streams":[{"codec_name":"opus","codec_type":"audio"}],"format":{"duration":"5.0"}}""", "no video stream")]
    [InlineData("""{"streams":[{"codec_name":"vp8","codec_type":"video"}],"format":{"duration":"5.0"}}""", "no audio stream")]
    [InlineData("""{"streams":[{"codec_name":"vp8","codec_type":"video"},{"codec_name":"opus","codec_type":"audio"}],"format":{"duration":"1.0"}}""", "duration 1.00 s < 2.50 s")]
    [InlineData("not json", "ffprobe output is not JSON")]
    public void Missing_streams_short_files_and_garbage_are_invalid(string json, string error)
    {
        var check = RecordingCheck.Evaluate("a.webm", json, expectVideo: true, minSeconds: 2.5);

        Assert.False(check.Valid);
        Assert.StartsWith(error, check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_media_fails_the_real_ffprobe()
    {
        var path = Path.Combine(Path.GetTempPath(), "callbot-not-media-" + Guid.NewGuid().ToString("N") + ".webm");
        await File.WriteAllTextAsync(path, "definitely not matroska", TestContext.Current.CancellationToken);
        try
        {
            var check = await RecordingCheck.ProbeAsync(path, expectVideo: true, minSeconds: 1, TestContext.Current.CancellationToken);

            Assert.False(check.Valid);
            Assert.NotNull(check.Error);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
