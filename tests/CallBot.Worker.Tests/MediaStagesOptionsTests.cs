using CallBot.Rtc;
using CallBot.Rtc.Dtls;
using CallBot.Worker.Bots;
using CallBot.Worker.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallBot.Worker.Tests;

/// <summary>
/// <c>CallBot:Media:Stages</c> (issue 15): the media-plane stages reach every bot's peer connections; unset keeps the
/// default set (all but the opt-in pacer); an unknown name fails validation at start, naming the key and the stages.
/// <c>CallBot:Media:Probing</c> reaches the transport-cc stage's options.
/// </summary>
public sealed class MediaStagesOptionsTests
{
    [Fact]
    public void Unset_the_peer_connections_run_every_stage_but_the_pacer()
    {
        var media = Bind([]);

        var options = CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, media.Stages);

        Assert.Null(media.Stages);
        Assert.Equal(["nack", "keyframe", "report", "remb", "transport-cc", "fec", "stats"], options.Interceptors);
    }

    [Fact]
    public async Task Configured_stages_are_the_ones_the_peer_connections_run_and_a_connection_builds_with_them()
    {
        var media = Bind(new() { ["CallBot:Media:Stages:0"] = "nack", ["CallBot:Media:Stages:1"] = "pacer", ["CallBot:Media:Stages:2"] = "transport-cc" });

        var options = CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, media.Stages);

        Assert.True(new CallBotOptionsValidator().Validate(null, media).Succeeded);
        Assert.Equal(["nack", "pacer", "transport-cc"], options.Interceptors);
        await using var connection = new RtcPeerConnection(options, DtlsCertificate.Generate(), TimeProvider.System, NullLoggerFactory.Instance);
        Assert.Equal(PeerConnectionState.New, connection.ConnectionState);
    }

    [Fact]
    public void An_unknown_stage_fails_validation_naming_the_key_and_the_known_stages()
    {
        var media = Bind(new() { ["CallBot:Media:Stages:0"] = "nack", ["CallBot:Media:Stages:1"] = "flexfec" });

        var result = new CallBotOptionsValidator().Validate(null, media);

        Assert.True(result.Failed);
        var error = Assert.Single(result.Failures!);
        Assert.Contains("CallBot:Media:Stages: unknown stage 'flexfec'", error, StringComparison.Ordinal);
        Assert.Contains("transport-cc", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_send_side_probes_unless_Media_Probing_is_false()
    {
        // Without probing, a bot whose ladder stepped down under a bottleneck never climbed back after it lifted (the
        // bandwidth-step bench: still on the bottom rung 20 s after the rise): its feedback cannot show more than it sends.
        var unset = Bind([]);
        var off = Bind(new() { ["CallBot:Media:Probing"] = "false" });

        Assert.True(CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, unset.Stages, probing: unset.Probing).TransportCc.Probing);
        Assert.False(CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, off.Stages, probing: off.Probing).TransportCc.Probing);
    }

    [Fact]
    public void An_unpaced_bot_detects_delay_over_10_packet_groups_and_a_paced_one_over_libwebrtcs_20()
    {
        // Unpaced, one group per 30 fps frame: 20 groups would span 667 ms, and a capacity drop was seen late (the
        // bandwidth-step bench). The pacer's trains give several groups a frame, as libwebrtc's do.
        var unpaced = CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, Bind([]).Stages);
        var paced = CallBotRuntime.PeerConnectionOptionsFor(new VideoChatOptions(), loopbackOnly: true, ["nack", "transport-cc", "pacer"]);

        Assert.Equal(10, unpaced.TransportCc.TrendlineWindow);
        Assert.Equal(new CallBot.Rtc.Bwe.TransportCcOptions().TrendlineWindow, paced.TransportCc.TrendlineWindow);
        Assert.Equal(20, paced.TransportCc.TrendlineWindow);
    }

    private static MediaOptions Bind(Dictionary<string, string?> values)
    {
        var options = new MediaOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(MediaOptions.Section).Bind(options);
        return options;
    }
}
