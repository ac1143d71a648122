using CallBot.Abstractions;
using CallBot.Recording.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Recording.Tests;

public sealed class ParticipantRecorderTests(TestClips clips) : IClassFixture<TestClips>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Vp8_and_opus_become_a_webm_that_probes_decodes_and_lasts_the_input()
    {
        var root = TestClips.NewDirectory();
        var time = new FakeTimeProvider(Start);
        var path = Path.Combine(root, "p.webm");
        await using var recorder = new ParticipantRecorder("u1", path, CodecId.Opus, CodecId.Vp8, new RecordingOptions(), time);
        Assert.True(recorder.Start(root), recorder.Error);

        Feeder.Feed(recorder, time, Start, clips.Vp8, clips.Opus);
        var info = await recorder.StopAsync();

        Assert.Equal(RecordingStatus.Completed, info.Status);
        using var probe = FfTool.Probe(path);
        Assert.Equal("webm", probe.RootElement.GetProperty("format").GetProperty("format_name").GetString()!.Split(',')[1]);
        Assert.Equal("vp8", FfTool.Stream(probe, "video").GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfTool.Stream(probe, "audio").GetProperty("codec_name").GetString());
        Assert.Equal(320, FfTool.Stream(probe, "video").GetProperty("width").GetInt32());
        Assert.Equal(string.Empty, FfTool.DecodeErrors(path));
        var duration = FfTool.Seconds(probe.RootElement.GetProperty("format"), "duration");
        Assert.InRange(duration, TestClips.Seconds - 0.5, TestClips.Seconds + 0.5);
        Assert.Equal(clips.Vp8.Count, info.Video!.FramesWritten);
        Assert.Equal(clips.Opus.Count, info.Audio!.FramesWritten);
    }
}
