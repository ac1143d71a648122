using CallBot.Abstractions;
using CallBot.TestSupport.Chromium;
using CallBot.TestSupport.Network;

namespace CallBot.Rtc.Tests.MediaPlane;

/// <summary>
/// Must-show 1: CallBot sends one video codec + Opus to Chromium for <see cref="Window"/> (after one second of warm-up).
/// Chromium's inbound-rtp must show framesDecoded rising in every 2 s slice and no freeze (freezeCount unchanged); the relay drops <see cref="AudioDrops"/> chosen Opus
/// packets (audio has no NACK, so nothing repairs them) and Chromium's audio packetsLost must equal the relay's counter.
/// </summary>
/// <remarks>
/// packetsLost is "expected − received" (RFC 3550 A.3), so a drop is only counted once a later packet arrives. The
/// drops are all in the first ~5 s and the test reads the stats only after Chromium has accounted for every packet
/// CallBot sent (received + lost == sent), so the trailing-edge ±1 cannot happen here and the match is exact.
/// </remarks>
internal static class ChromiumReceiveScenario
{
    public const int AudioDrops = 8;
    private const int WarmUpFrames = 30;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Chromium offers Opus as payload type 111 and CallBot answers with the offerer's payload types.
    private const int OpusPayloadType = 111;

    private const string PollerJs = """
        () => {
          window.mp = { video: { framesDecoded: 0, freezeCount: 0, packetsLost: 0 }, audio: { packetsReceived: 0, packetsLost: 0 } };
          window.mpTimer = setInterval(async () => {
            const next = { video: { framesDecoded: 0, freezeCount: 0, packetsLost: 0 }, audio: { packetsReceived: 0, packetsLost: 0 } };
            (await window.pc.getStats()).forEach(s => {
              if (s.type !== 'inbound-rtp' || !next[s.kind]) return;
              for (const f of Object.keys(next[s.kind])) next[s.kind][f] += (s[f] || 0);
            });
            window.mp = next;
          }, 100);
        }
        """;

    public static async Task RunAsync(ChromiumFixture chromium, CodecId videoCodec, ITestOutputHelper output)
    {
        await using var call = await ChromiumMediaCall.ConnectAsync(chromium, videoCodec);
        Assert.Equal(videoCodec, call.Video.NegotiatedCodec);
        call.ToChromium.DropNext(AudioDrops, EveryTwentyFifthOpusPacket);
        await call.Page.EvaluateAsync(PollerJs);

        await using var pump = new LiveMediaPump(videoCodec, call.Video.Sender, call.Audio.Sender);

        // The window starts once a second of video has played out; freezes are counted from there.
        await call.Page.WaitForAsync($"window.mp.video.framesDecoded >= {WarmUpFrames}", Timeout);

        var decoded = new List<double>();
        var first = await call.StatsAsync("inbound-rtp", "framesDecoded", "freezeCount");
        decoded.Add(first.Video["framesDecoded"]);
        var freezesBefore = first.Video["freezeCount"];
        using (var slices = new PeriodicTimer(Slice))
        {
            for (var i = 0; i < Window / Slice; i++)
            {
                await slices.WaitForNextTickAsync(TestContext.Current.CancellationToken);
                var now = await call.StatsAsync("inbound-rtp", "framesDecoded", "freezeCount");
                decoded.Add(now.Video["framesDecoded"]);
                Assert.Equal(freezesBefore, now.Video["freezeCount"]);
            }
        }

        Assert.Equal(0, call.ToChromium.DropNextRemaining);
        await pump.StopAsync();
        var audioSent = call.CallBot.GetStats().Outbound.Single(s => s.Kind == MediaKind.Audio).PacketsSent;
        await call.Page.WaitForAsync($"window.mp.audio.packetsReceived + window.mp.audio.packetsLost >= {audioSent}", Timeout);

        var end = await call.StatsAsync("inbound-rtp", "framesDecoded", "freezeCount", "packetsLost", "packetsReceived", "framesDropped");
        var relay = call.ToChromium.Counters;
        output.WriteLine($"{videoCodec}: framesDecoded per 2 s slice {string.Join(", ", Deltas(decoded))}; sent video {pump.VideoFramesSent} frames, " +
            $"Chromium decoded {end.Video["framesDecoded"]}, dropped {end.Video["framesDropped"]}, freezeCount {end.Video["freezeCount"]} ({freezesBefore} before the window); " +
            $"audio sent {audioSent}, Chromium received {end.Audio["packetsReceived"]} lost {end.Audio["packetsLost"]}, relay dropped {relay.DroppedPredicate}");

        Assert.All(Deltas(decoded), d => Assert.True(d > 0, $"framesDecoded stalled in a 2 s slice: {string.Join(", ", Deltas(decoded))}"));
        Assert.Equal(freezesBefore, end.Video["freezeCount"]);
        Assert.Equal(AudioDrops, relay.DroppedPredicate);
        Assert.Equal(relay.DroppedPredicate, (long)end.Audio["packetsLost"]);
        Assert.Equal(audioSent - AudioDrops, (long)end.Audio["packetsReceived"]);
        Assert.Equal(0, call.CallBot.GetStats().Transport.SrtpAuthFailures);
    }

    private static bool EveryTwentyFifthOpusPacket(ReadOnlySpan<byte> datagram) =>
        DatagramPeek.TryGetRtp(datagram, out var pt, out _, out var seq, out _) && pt == OpusPayloadType && seq % 25 == 0;

    private static List<double> Deltas(List<double> samples)
    {
        var deltas = new List<double>();
        for (var i = 1; i < samples.Count; i++)
        {
            deltas.Add(samples[i] - samples[i - 1]);
        }

        return deltas;
    }
}

/// <summary>Chromium decodes CallBot's VP8 + Opus for 20 s.</summary>
[Collection(MediaPlaneChromiumCollection.Name)]
[Trait("Category", MediaPlaneChromiumCollection.RunsAlone)]
public sealed class ChromiumReceivesVp8Tests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Fact]
    public Task Vp8_decodes_for_20s_without_freezes_and_chromium_counts_exactly_the_dropped_audio() =>
        ChromiumReceiveScenario.RunAsync(chromium, CodecId.Vp8, output);
}

/// <summary>Chromium decodes CallBot's H.264 (negotiated alone) + Opus for 20 s.</summary>
[Collection(MediaPlaneChromiumCollection.Name)]
[Trait("Category", MediaPlaneChromiumCollection.RunsAlone)]
public sealed class ChromiumReceivesH264Tests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Fact]
    public Task H264_decodes_for_20s_without_freezes_and_chromium_counts_exactly_the_dropped_audio() =>
        ChromiumReceiveScenario.RunAsync(chromium, CodecId.H264, output);
}
