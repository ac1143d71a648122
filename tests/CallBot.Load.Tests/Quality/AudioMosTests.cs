using CallBot.Abstractions;
using CallBot.Load.Driver;
using CallBot.Load.Metrics;
using CallBot.Load.Quality;
using CallBot.Load.Scenario;

namespace CallBot.Load.Tests.Quality;

public sealed class AudioMosTests
{
    [Fact]
    public void A_clean_audio_stream_scores_over_4_2_and_loss_with_delay_scores_the_e_model_value()
    {
        var clean = new StreamResult("b", MediaKind.Audio, 500, 500, 0, 0, JitterMs: 1, RttMs: 2);
        Assert.InRange(AudioMos.Of(clean)!.Value, 4.2, 4.5);

        // 5 % loss, 300 ms RTT → 150 ms one way + 2 × 5 ms jitter buffer + 26.5 ms Opus = 186.5 ms mouth-to-ear.
        var lossy = new StreamResult("b", MediaKind.Audio, 500, 475, 0, 0.05, JitterMs: 5, RttMs: 300);
        var expected = EModel.Mos(EModel.Rating(EModelCodec.Opus, TimeSpan.FromMilliseconds(186.5), 0.05));
        Assert.Equal(expected, AudioMos.Of(lossy)!.Value, 6);
        Assert.InRange(expected, 3.3, 3.8); // ≈ 3.5: loss of 5 % with G.711-like concealment costs about one MOS point

        Assert.Null(AudioMos.Of(clean with { Kind = MediaKind.Video }));
        Assert.Null(AudioMos.Of(clean with { FramesReceived = 0 }));
    }

    [Fact]
    public void Load_metrics_record_one_audio_mos_per_received_audio_stream()
    {
        var metrics = new LoadMetrics(TimeSpan.FromSeconds(1));
        var user = new LoadUser(1, "bot-1", "pw", null);
        var intent = new CallIntent(0, 0, TimeSpan.Zero, user, [user with { Id = 2 }], TimeSpan.FromSeconds(5), TimeSpan.Zero, CallExpectation.Answer, false);
        metrics.RecordCall(new CallResult
        {
            Intent = intent,
            Outcome = CallOutcome.Completed,
            Elapsed = TimeSpan.FromSeconds(5),
            Streams =
            [
                new StreamResult("bot-1", MediaKind.Audio, 250, 250, 0, 0, 1, 2),
                new StreamResult("bot-2", MediaKind.Audio, 250, 250, 0, 0, 1, 2),
                new StreamResult("bot-2", MediaKind.Video, 150, 150, 0, 0, 1, 2),
            ],
        }, TimeSpan.Zero);

        var mos = metrics.Snapshot()[MetricCatalog.AudioMos];
        Assert.Equal(2, mos.Histogram.Count);
        Assert.InRange(mos.Histogram.Min, 4.2, 4.5);
    }
}
