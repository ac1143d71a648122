using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CsCheck;

namespace CallBot.Rtc.Tests.Payloads;

public sealed class OpusTests
{
    [Theory]
    [InlineData(99, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 0)] // an Opus packet is never fragmented: too big is not sent
    public void One_packet_per_frame_at_the_mtu_boundary(int size, int expected)
    {
        var packets = PayloadHarness.Packetize(new OpusPayloader(), 100, new byte[size], 0);
        Assert.Equal(expected, packets.Count);
        Assert.All(packets, p => Assert.True(p.Marker));
    }

    [Fact]
    public void Real_ffmpeg_packets_round_trip_and_loss_drops_only_the_lost_packet()
    {
        var frames = FfmpegSamples.OpusPackets;
        Assert.InRange(frames.Count, 45, 55);
        var packets = PayloadHarness.PacketizeAll(new OpusPayloader(), 1200, frames, 960);
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Opus, new OpusDepacketizer(), sink);
        PayloadHarness.Feed(assembler, packets, new HashSet<int> { 10 });

        Assert.Equal(frames.Count - 1, sink.Frames.Count);
        Assert.Equal(frames[9], sink.Frames[9].Data);
        Assert.Equal(frames[11], sink.Frames[10].Data);
        Assert.Equal(sink.Frames[9].Timestamp + 1920, sink.Frames[10].Timestamp);
        Assert.Equal(1, assembler.Gaps);
        Assert.False(assembler.NeedsKeyFrame);
        Assert.All(sink.Frames, f => Assert.True(f.IsKeyFrame));
    }

    [Fact]
    public void Empty_payload_is_rejected()
    {
        using var frame = new FrameBuffer(16);
        Assert.False(new OpusDepacketizer().TryUnmarshal([], frame, out var reason));
        Assert.Equal(PayloadDropReason.TooShort, reason);
    }

    [Fact]
    public void Random_payloads_never_throw()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Opus, new OpusDepacketizer(), sink);
        long seq = 0;
        Gen.Byte.Array[0, 40].Sample(payload => assembler.Push(++seq, (uint)seq * 960, false, payload), iter: 5_000, threads: 1);
        Assert.Equal(assembler.FramesAssembled, sink.Frames.Count);
    }
}
