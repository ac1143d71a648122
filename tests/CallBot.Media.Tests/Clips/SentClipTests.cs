using System.Buffers;
using CallBot.Abstractions;
using CallBot.Media.Analysis;
using CallBot.Media.Clips;
using CallBot.Media.Containers;
using CallBot.Media.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Media.Tests.Clips;

/// <summary>What a sender hands out, written back to a file and decoded by FFmpeg: the stream a receiver would get.</summary>
[Collection(SyntheticClipCollection.Name)]
public sealed class SentClipTests(SyntheticClipFixture fixture)
{
    [Fact]
    public async Task Frames_sent_across_two_loops_decode_cleanly_with_a_flash_every_second_of_sender_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var output = new ArrayBufferWriter<byte>();
        IvfWriter.WriteFileHeader(output, 320, 180, 1, 90_000); // pts in the sender's 90 kHz timestamps
        var sink = new IvfSink(output);
        clock.Register(EncodedTrack.Of(fixture.Vp8Clip), sink);
        for (var i = 0; i < 1400; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5)); // 7 s: the 3 s clip loops twice
        }

        Assert.Equal(7 * 30 + 1, sink.Frames);
        var path = Path.Combine(fixture.Directory, "sent.ivf");
        await File.WriteAllBytesAsync(path, output.WrittenMemory, ct);

        var decode = await fixture.Ffmpeg.RunAsync(["-v", "error", "-i", path, "-f", "null", "-"], cancellationToken: ct);
        Assert.Equal(string.Empty, decode.StderrTail.Trim());
        var report = await new SyncMarkAnalyzer(fixture.Ffmpeg).AnalyzeAsync(path, 30, frameRate: 30, hasAudio: false, cancellationToken: ct);
        Assert.Equal(8, report.FlashTimes.Count);       // 0 … 7 s
        for (var s = 0; s < report.FlashTimes.Count; s++)
        {
            Assert.InRange(report.FlashTimes[s], s - 1.0 / 30, s + 1.0 / 30);
        }

        Assert.InRange(report.LongestFlashGap, 0.96, 1.04); // no freeze or jump at the loop points (3 s, 6 s)
    }

    private sealed class IvfSink(ArrayBufferWriter<byte> output) : IEncodedFrameSink
    {
        public int Frames { get; private set; }

        public void OnFrame(in EncodedFrame frame)
        {
            IvfWriter.WriteFrame(output, frame.Data.Span, frame.Timestamp);
            Frames++;
        }
    }
}
