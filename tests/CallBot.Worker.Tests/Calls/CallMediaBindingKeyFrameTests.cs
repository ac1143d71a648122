using System.Buffers;
using CallBot.Abstractions;
using CallBot.Media.Clips;
using CallBot.Media.Containers;
using CallBot.Media.Pacing;
using CallBot.Worker.Calls;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Worker.Tests.Calls;

/// <summary>
/// How our video sender answers the peer's keyframe requests (PLI). With key-frame-only twins (the default clip cache):
/// every request, in place, by the next frame. Without: the clip restarts at its keyframe; the first request is answered
/// at once — our first keyframe is usually lost because it left before the peer's SRTP was up — and later ones at most
/// once a second.
/// </summary>
public sealed class CallMediaBindingKeyFrameTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task The_first_keyframe_request_restarts_the_clip_at_once_and_later_ones_at_most_once_a_second()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        await using var binding = new CallMediaBinding([video], clock, new CallMediaTracks(EncodedTrack.Of(OneKeyFrameClip()), null), time, time.GetTimestamp());
        binding.Start();
        binding.StartSending();

        Run(time, TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, KeyFrames(video)); // the clip's own keyframe at t=0 (the one the peer did not get)

        video.PeerAsksForKeyFrame(); // 100 ms into the call: the peer's SRTP is up and it saw no keyframe
        Run(time, TimeSpan.FromMilliseconds(40));
        Assert.Equal(1, binding.KeyFrameRestarts);
        Assert.Equal(2, KeyFrames(video));

        video.PeerAsksForKeyFrame(); // a repeat 140 ms later is throttled
        Run(time, TimeSpan.FromMilliseconds(1000));
        Assert.Equal(1, binding.KeyFrameRestarts);
        Assert.Equal(2, KeyFrames(video));

        video.PeerAsksForKeyFrame(); // > 1 s after the first restart: answered
        Run(time, TimeSpan.FromMilliseconds(40));
        Assert.Equal(2, binding.KeyFrameRestarts);
        Assert.Equal(3, KeyFrames(video));

        // Timestamps keep running in real time across restarts.
        for (var i = 1; i < video.Sent.Count; i++)
        {
            Assert.True(video.Sent[i].Timestamp > video.Sent[i - 1].Timestamp);
        }
    }

    [Fact]
    public async Task A_keyframe_request_before_sending_starts_is_ignored_and_does_not_use_up_the_immediate_answer()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        await using var binding = new CallMediaBinding([video], clock, new CallMediaTracks(EncodedTrack.Of(OneKeyFrameClip()), null), time, time.GetTimestamp());
        binding.Start();
        video.PeerAsksForKeyFrame();
        binding.StartSending();
        Run(time, TimeSpan.FromMilliseconds(60));
        Assert.Equal(0, binding.KeyFrameRestarts);

        video.PeerAsksForKeyFrame();
        Run(time, TimeSpan.FromMilliseconds(40));
        Assert.Equal(1, binding.KeyFrameRestarts);
        Assert.Equal(2, KeyFrames(video));
    }

    [Fact]
    public async Task With_key_frame_twins_every_request_is_answered_by_the_next_frame_without_restarting_the_clip()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        var track = new EncodedTrack([OneKeyFrameClip()], null, [KeyFrameOnlyClip()]);
        await using var binding = new CallMediaBinding([video], clock, new CallMediaTracks(track, null), time, time.GetTimestamp());
        binding.Start();
        binding.StartSending();
        Run(time, TimeSpan.FromMilliseconds(100));

        for (var request = 0; request < 3; request++)
        {
            var sentBefore = video.Sent.Count;
            video.PeerAsksForKeyFrame(); // 100 ms apart: no throttling
            Run(time, TimeSpan.FromMilliseconds(100));
            Assert.True(video.Sent[sentBefore].IsKeyFrame, $"request {request}: the next frame is a key frame");
        }

        Assert.Equal(3, binding.KeyFramesInPlace);
        Assert.Equal(0, binding.KeyFrameRestarts);
        Assert.Equal(3, binding.GetStats().KeyFramesInPlace);
        // The clip's position runs on: the k-th frame sent is the clip's frame k (its own or its twin's), where a restart
        // would have gone back to frame 0.
        for (var k = 0; k < video.Sent.Count; k++)
        {
            var data = video.Sent[k].Data.Span;
            var index = data.Length switch { 4 => data[3], 11 => data[10], _ => 0 };
            Assert.Equal(k % 60, index);
        }
    }

    private static int KeyFrames(FakeTrackPort port)
    {
        var count = 0;
        foreach (var frame in port.Sent)
        {
            count += frame.IsKeyFrame ? 1 : 0;
        }

        return count;
    }

    private static void Run(FakeTimeProvider time, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += Tick)
        {
            time.Advance(Tick);
        }
    }

    /// <summary>The twin of <see cref="OneKeyFrameClip"/>: every frame a keyframe.</summary>
    private static EncodedClip KeyFrameOnlyClip()
    {
        const int frames = 60;
        var ivf = new ArrayBufferWriter<byte>();
        IvfWriter.WriteFileHeader(ivf, 320, 240, 1, 30);
        for (var i = 0; i < frames; i++)
        {
            IvfWriter.WriteFrame(ivf, [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, (byte)i], i);
        }

        return ClipParser.Parse(ivf.WrittenMemory, CodecId.Vp8, frames / 30, 30, "key-frame-only test clip", 50);
    }

    /// <summary>Two seconds of 30 fps VP8 with a keyframe only at frame 0 (so any other keyframe is a restart).</summary>
    private static EncodedClip OneKeyFrameClip()
    {
        const int frames = 60;
        var ivf = new ArrayBufferWriter<byte>();
        IvfWriter.WriteFileHeader(ivf, 320, 240, 1, 30);
        for (var i = 0; i < frames; i++)
        {
            // VP8 frame tag (RFC 6386 §9.1): bit 0 clear = key frame; the keyframe carries the start code and size.
            byte[] frame = i == 0 ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00, (byte)i];
            IvfWriter.WriteFrame(ivf, frame, i);
        }

        return ClipParser.Parse(ivf.WrittenMemory, CodecId.Vp8, frames / 30, 30, "one-keyframe test clip", 100);
    }
}
