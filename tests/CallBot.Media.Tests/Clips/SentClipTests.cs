using System.Buffers;
using CallBot.Abstractions;
using CallBot.Media.Analysis;
using CallBot.Media.Clips;
using CallBot.Media.Containers;
using CallBot.Media.Pacing;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Media.Tests.Clips;

/// <summary>
/// What a sender hands out, written back to a file and decoded by FFmpeg: the stream a receiver would get. Across loops
/// it decodes cleanly with the sync flash on whole seconds of sender time. After a keyframe request answered without
/// restarting the clip, the frames a receiver gets from the request on — as if it had lost everything before — must
/// decode cleanly, keep the sender's timeline and match the clip's own pictures (no drift).
/// </summary>
[Collection(SyntheticClipCollection.Name)]
public sealed class SentClipTests(SyntheticClipFixture fixture)
{
    private const int RequestAt = 40;   // frame 40 of a clip with key frames at 0, 30, 60: mid-GOP
    private const int SendUntil = 100;  // past the loop point (90): the twin is left at 60, the loop's frame 0 follows at 90
    private const int Width = 64;
    private const int Height = 36;

    [Fact]
    public async Task Frames_sent_across_two_loops_decode_cleanly_with_a_flash_every_second_of_sender_time()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var sink = new SentFrames();
        clock.Register(EncodedTrack.Of(fixture.Vp8Clip), sink);
        for (var i = 0; i < 1400; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(5)); // 7 s: the 3 s clip loops twice
        }

        Assert.Equal(7 * 30 + 1, sink.Frames.Count);
        var path = Path.Combine(fixture.Directory, "sent.ivf");
        await File.WriteAllBytesAsync(path, sink.Ivf(), ct);

        Assert.Equal(string.Empty, await fixture.DecodeErrorsAsync(path, ct));
        var report = await new SyncMarkAnalyzer(fixture.Ffmpeg).AnalyzeAsync(path, 30, frameRate: 30, hasAudio: false, cancellationToken: ct);
        Assert.Equal(8, report.FlashTimes.Count);       // 0 … 7 s
        for (var s = 0; s < report.FlashTimes.Count; s++)
        {
            Assert.InRange(report.FlashTimes[s], s - 1.0 / 30, s + 1.0 / 30);
        }

        Assert.InRange(report.LongestFlashGap, 0.96, 1.04); // no freeze or jump at the loop points (3 s, 6 s)
    }

    [Fact]
    public async Task A_keyframe_request_is_answered_by_the_next_frame_and_the_stream_decodes_from_it_on_the_clip_timeline()
    {
        var ct = TestContext.Current.CancellationToken;
        var track = new EncodedTrack([fixture.Vp8Clip], null, [fixture.Vp8KeyFrameClip]);
        var sink = new SentFrames();
        var time = new FakeTimeProvider();
        using (var clock = new MediaClock(time))
        {
            var sender = clock.Register(track, sink);
            Assert.True(sender.AnswersKeyFramesInPlace);
            sink.RunUntil(time, RequestAt);
            sender.RequestKeyFrame();
            sink.RunUntil(time, SendUntil);
            Assert.Equal(1, sender.KeyFramesAnswered);
            Assert.Equal(60 - RequestAt, sender.KeyFrameTwinFrames);
            Assert.Equal(1, sender.Loops); // the loop completed at frame 90: nothing restarted it
        }

        // The answer: the very next frame is a key frame, at the clip's position (no restart), and every frame until the
        // clip's own key frame at 60 is one too; from there on the clip's own frames again.
        for (var i = RequestAt; i < SendUntil; i++)
        {
            var (timestamp, key, data) = sink.Frames[i];
            Assert.Equal(i * 3000L, timestamp);
            Assert.Equal(i < 60 || i % 30 == 0, key);
            var own = fixture.Vp8Clip[i % 90].Data;
            Assert.Equal(i is >= RequestAt and < 60, !own.Span.SequenceEqual(data));
        }

        // What a receiver that lost everything before the request decodes.
        var path = Path.Combine(fixture.Directory, "after-pli.ivf");
        await File.WriteAllBytesAsync(path, sink.Ivf(first: RequestAt), ct);
        Assert.Equal(string.Empty, await fixture.DecodeErrorsAsync(path, ct));
        var report = await new SyncMarkAnalyzer(fixture.Ffmpeg).AnalyzeAsync(path, 30, frameRate: null, hasAudio: false, cancellationToken: ct);
        Assert.Equal(SendUntil - RequestAt, report.VideoFrames);
        // Flashes at sender frames 60 and 90 (whole seconds), i.e. 20 and 50 frames into the file; a restart would have
        // put one at the first frame.
        Assert.Equal([20.0 / 30, 50.0 / 30], report.FlashTimes.Select(t => Math.Round(t, 3)), (a, b) => Math.Abs(a - b) < 1e-3);

        // No drift: each decoded picture is close to the clip's own decode at that position (the twin is a lower-quality
        // encode of the same pictures; from frame 60 the clip's own frames decode exactly as in the clip).
        var reference = await GrayAsync(fixture.Vp8File, ct);
        var received = await GrayAsync(path, ct);
        var frameSize = Width * Height;
        for (var f = 0; f < SendUntil - RequestAt; f++)
        {
            var at = (RequestAt + f) % 90;
            var diff = MeanAbsoluteDifference(received.AsSpan(f * frameSize, frameSize), reference.AsSpan(at * frameSize, frameSize));
            Assert.True(diff < (at >= 60 || at < RequestAt ? 0.5 : 6), $"frame {RequestAt + f}: mean difference {diff:0.00} from the clip's own picture");
        }
    }

    [Fact]
    public void A_track_without_twins_does_not_answer_in_place_and_its_timeline_is_untouched()
    {
        var sink = new SentFrames();
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var sender = clock.Register(EncodedTrack.Of(fixture.Vp8Clip), sink);
        Assert.False(sender.AnswersKeyFramesInPlace);
        sink.RunUntil(time, RequestAt);
        sender.RequestKeyFrame();
        sink.RunUntil(time, 60);
        Assert.Equal(0, sender.KeyFramesAnswered);
        Assert.All(sink.Frames.Skip(RequestAt).Take(60 - RequestAt), f => Assert.False(f.Key));
    }

    [Fact]
    public void A_twin_that_is_not_all_key_frames_or_not_aligned_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new EncodedTrack([fixture.Vp8Clip], null, [fixture.Vp8Clip]));
        Assert.Throws<ArgumentException>(() => new EncodedTrack([fixture.Vp8Clip], null, []));
    }

    private async Task<byte[]> GrayAsync(string path, CancellationToken ct)
    {
        var result = await fixture.Ffmpeg.RunAsync(["-v", "error", "-i", path, "-vf", $"scale={Width}:{Height},format=gray", "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"],
            cancellationToken: ct);
        return result.Stdout;
    }

    private static double MeanAbsoluteDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        long sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return (double)sum / a.Length;
    }

    /// <summary>
    /// What a sender hands out, kept frame by frame (test only: the send path itself copies nothing), and written back as
    /// the IVF file a receiver would get, for FFmpeg to decode.
    /// </summary>
    private sealed class SentFrames : IEncodedFrameSink
    {
        public List<(long Timestamp, bool Key, byte[] Data)> Frames { get; } = [];

        public void OnFrame(in EncodedFrame frame) => Frames.Add((frame.Timestamp, frame.IsKeyFrame, frame.Data.ToArray()));

        /// <summary>Advances the media clock's fake time in 5 ms ticks until exactly <paramref name="frames"/> were sent (bounded).</summary>
        public void RunUntil(FakeTimeProvider time, int frames)
        {
            for (var guard = 0; Frames.Count < frames && guard < 100_000; guard++)
            {
                time.Advance(TimeSpan.FromMilliseconds(5));
            }

            Assert.Equal(frames, Frames.Count);
        }

        /// <summary>The frames from <paramref name="first"/> on as an IVF file of the synthetic card (pts in the sender's 90 kHz timestamps).</summary>
        public byte[] Ivf(int first = 0)
        {
            var output = new ArrayBufferWriter<byte>();
            IvfWriter.WriteFileHeader(output, SyntheticClipFixture.Vp8.Width, SyntheticClipFixture.Vp8.Height, 1, 90_000);
            foreach (var (timestamp, _, data) in Frames.Skip(first))
            {
                IvfWriter.WriteFrame(output, data, timestamp);
            }

            return output.WrittenSpan.ToArray();
        }
    }
}
