using CallBot.Load.Scenario;

namespace CallBot.Worker.Tests.Load;

/// <summary>
/// The scenario's media profile: <c>video: none</c> (or <c>audio_only</c>) makes audio calls, <c>audio: none</c> sends no
/// audio, and thresholds on a kind the profile never sends are rejected up front instead of failing with "no samples".
/// </summary>
public sealed class ScenarioMediaProfileTests
{
    private static string Scenario(string media, string thresholds = "call_success_rate: [\"rate > 0.99\"]") => $$"""
        name: media
        chat: { endpoint: "tcp://127.0.0.1:5222", app_id: "1" }
        users:
          range: { from: 1, to: 4, login: "bot-{id}", password: "pw-{id}" }
        calls:
          duration: { fixed: 2s }
        load:
          stages:
            - { duration: 2s, target: 1 }
        {{media}}
        thresholds:
          {{thresholds}}
        """;

    [Theory]
    [InlineData("media: { video: none }", true, false)]
    [InlineData("media: { audio_only: true }", true, false)]
    [InlineData("media: { audio: none, video: { codec: vp8, width: 320, height: 180 } }", false, true)]
    [InlineData("media: { audio: opus, video: { codec: h264 } }", true, true)]
    [InlineData("", true, true)]
    public void Profile_says_which_kinds_the_calls_send(string media, bool audio, bool video)
    {
        var (scenario, errors) = ScenarioLoader.Load(Scenario(media));

        Assert.Empty(errors);
        Assert.Equal(audio, scenario!.Source.Media.SendsAudio);
        Assert.Equal(video, scenario.Source.Media.SendsVideo);
    }

    [Theory]
    [InlineData("media: { video: none, audio: none }", "call_success_rate: [\"rate > 0.99\"]", "media.video", "no media at all")]
    [InlineData("media: { audio_only: true, audio: none }", "call_success_rate: [\"rate > 0.99\"]", "media.audio_only", "no media at all")]
    [InlineData("media: { video: none }", "video_packet_loss: [\"p(99) < 0.01\"]", "thresholds.video_packet_loss", "sends no video")]
    [InlineData("media: { audio: none }", "audio_jitter_ms: [\"p(95) < 30\"]", "thresholds.audio_jitter_ms", "sends no audio")]
    public void Impossible_profiles_and_thresholds_are_named(string media, string thresholds, string path, string message)
    {
        var (scenario, errors) = ScenarioLoader.Load(Scenario(media, thresholds));

        Assert.Null(scenario);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_other_video_scalar_is_an_error_with_its_line()
    {
        var (scenario, errors) = ScenarioLoader.Load(Scenario("media: { video: off }"));

        Assert.Null(scenario);
        var error = Assert.Single(errors);
        Assert.Equal(10, error.Line);
    }
}
