using CallBot.Abstractions;
using CallBot.Media.Pacing;
using CallBot.Worker.Calls;
using Microsoft.Extensions.Time.Testing;

namespace CallBot.Worker.Tests.Calls;

public sealed class CallMediaBindingTests
{
    private static readonly byte[] Vp8Key = [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
    private static readonly byte[] OpusPacket = [0x78, 0x01, 0x02];

    [Fact]
    public async Task Echo_sends_the_peers_frames_back_unchanged_on_the_same_m_line()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        var audio = new FakeTrackPort(MediaKind.Audio, CodecId.Opus);
        var start = time.GetTimestamp();
        await using var binding = new CallMediaBinding([audio, video], clock, CallMediaTracks.Echo, time, start);
        TimeSpan? first = null;
        binding.FirstRemoteFrame += t => first = t;
        binding.Start();
        binding.StartSending();

        time.Advance(TimeSpan.FromMilliseconds(250));
        video.PeerSends(new EncodedFrame(CodecId.Vp8, Vp8Key, 3000, 3000, true));
        audio.PeerSends(new EncodedFrame(CodecId.Opus, OpusPacket, 960, 960, true));

        Assert.Equal(Vp8Key, Assert.Single(video.Sent).Data.ToArray());
        Assert.Equal(3000, video.Sent[0].Timestamp);
        Assert.Equal(OpusPacket, Assert.Single(audio.Sent).Data.ToArray());
        Assert.Equal(TimeSpan.FromMilliseconds(250), first);
        var stats = binding.GetStats();
        Assert.Equal(1, stats.VideoFramesReceived);
        Assert.Equal(1, stats.AudioFramesReceived);
        Assert.Equal(Vp8Key.Length + OpusPacket.Length, stats.BytesReceived);
        Assert.True(stats.FlowedBothWays(video: true));
        Assert.Equal(0, clock.SenderCount);
    }

    [Fact]
    public async Task Received_video_freezes_are_counted_on_arrival_on_the_timeline_and_on_the_playout_clock()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        await using var binding = new CallMediaBinding([video], clock, CallMediaTracks.Echo, time, time.GetTimestamp());
        binding.Start();
        var elapsed = TimeSpan.Zero;

        // 30 fps; once a second one frame is complete 200 ms late, and the frames held behind it follow it 1 ms apart.
        for (var frame = 1; frame <= 300; frame++)
        {
            var onTime = TimeSpan.FromMilliseconds(frame * 100 / 3.0);
            var due = frame > 30 && frame % 30 == 1 ? onTime + TimeSpan.FromMilliseconds(200) : onTime;
            var at = due > elapsed ? due : elapsed + TimeSpan.FromMilliseconds(1);
            time.Advance(at - elapsed);
            elapsed = at;
            video.PeerSends(new EncodedFrame(CodecId.Vp8, Vp8Key, frame * 3000L, 3000, true));
        }

        var stats = binding.GetStats();
        Assert.Equal(300, stats.VideoFramesReceived);
        Assert.Equal(9, stats.VideoFreezes.Freezes); // shown on arrival, every late frame freezes
        Assert.Equal(0, stats.VideoTimelineFreezes.Freezes); // none is missing
        Assert.Equal(1, stats.VideoPlayoutFreezes.Freezes); // the first: after it the playout delay covers them
    }

    [Fact]
    public async Task In_echo_mode_a_keyframe_request_from_the_peer_goes_back_to_the_peer()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.Vp8);
        await using var binding = new CallMediaBinding([video], clock, CallMediaTracks.Echo, time, time.GetTimestamp());
        binding.Start();

        video.PeerAsksForKeyFrame();
        video.PeerAsksForKeyFrame();

        Assert.Equal(2, video.KeyFrameRequestsSent);
        Assert.Equal(2, binding.GetStats().KeyFramesRequestedByPeer);
    }

    [Fact]
    public async Task Nothing_is_relayed_before_negotiation_and_rejected_m_lines_stay_silent()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, codec: null);
        var audio = new FakeTrackPort(MediaKind.Audio, CodecId.Opus);
        await using var binding = new CallMediaBinding([audio, video], clock, CallMediaTracks.Echo, time, time.GetTimestamp());

        audio.PeerSends(new EncodedFrame(CodecId.Opus, OpusPacket, 0, 960, true));
        binding.Start();
        video.PeerSends(new EncodedFrame(CodecId.Vp8, Vp8Key, 0, 3000, true));

        Assert.Empty(audio.Sent);
        Assert.Empty(video.Sent);
        Assert.Equal(1, binding.GetStats().AudioFramesReceived);
        Assert.False(binding.GetStats().FlowedBothWays(video: true));
    }

    [Fact]
    public async Task The_recorder_factory_gets_the_negotiated_codecs_and_disposal_detaches_the_ports()
    {
        var time = new FakeTimeProvider();
        using var clock = new MediaClock(time);
        var video = new FakeTrackPort(MediaKind.Video, CodecId.H264);
        var audio = new FakeTrackPort(MediaKind.Audio, CodecId.Opus);
        var binding = new CallMediaBinding([audio, video], clock, CallMediaTracks.Echo, time, time.GetTimestamp());
        (CodecId? Audio, CodecId? Video)? asked = null;

        binding.Start((a, v) =>
        {
            asked = (a, v);
            return null;
        });
        await binding.DisposeAsync();
        video.PeerSends(new EncodedFrame(CodecId.H264, Vp8Key, 0, 3000, true));
        video.PeerAsksForKeyFrame();

        Assert.Equal((CodecId.Opus, CodecId.H264), asked);
        Assert.Empty(video.Sent);
        Assert.Equal(0, video.KeyFrameRequestsSent);
    }
}
