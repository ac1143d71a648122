using CallBot.Abstractions;
using CallBot.Rtc.Payloads;

namespace CallBot.Rtc.Tests.Payloads;

public sealed class FrameAssemblerTests
{
    // VP8 payloads: descriptor byte 0x10 = S=1 PID=0 (frame start), 0x00 = continuation; then frame bytes.
    // Frame tag byte 0x10 has P=0 (keyframe), 0x11 has P=1 (delta frame).
    private static readonly byte[] KeyStart = [0x10, 0x10, 0xAA];
    private static readonly byte[] DeltaStart = [0x10, 0x11, 0xBB];
    private static readonly byte[] Middle = [0x00, 0xCC];

    [Fact]
    public void A_timestamp_change_without_marker_closes_a_complete_frame()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        assembler.Push(1, 100, false, KeyStart);
        assembler.Push(2, 100, false, Middle);
        assembler.Push(3, 200, true, DeltaStart); // marker of frame 100 never came, but nothing is missing

        Assert.Equal(2, sink.Frames.Count);
        Assert.Equal(new byte[] { 0x10, 0xAA, 0xCC }, sink.Frames[0].Data);
        Assert.True(sink.Frames[0].IsKeyFrame);
        Assert.Equal(new byte[] { 0x11, 0xBB }, sink.Frames[1].Data);
        Assert.Equal(100, sink.Frames[1].Timestamp - sink.Frames[0].Timestamp);
    }

    [Fact]
    public void Video_waits_for_the_first_keyframe()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        assembler.Push(1, 100, true, DeltaStart);
        Assert.Empty(sink.Frames);
        Assert.Equal(1, assembler.FramesSkippedUntilKeyFrame);
        Assert.True(assembler.NeedsKeyFrame);

        assembler.Push(2, 200, true, KeyStart);
        Assert.Single(sink.Frames);
        Assert.False(assembler.NeedsKeyFrame);
    }

    [Fact]
    public void A_frame_over_the_size_cap_is_dropped()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink, maxFrameSize: 2);
        assembler.Push(1, 100, false, KeyStart);
        assembler.Push(2, 100, true, Middle); // 2 + 1 frame bytes > 2
        Assert.Empty(sink.Frames);
        Assert.Equal(1, assembler.FramesDropped);
        Assert.Equal(PayloadDropReason.FrameTooLarge, assembler.LastDropReason);
    }

    [Fact]
    public void A_bad_payload_drops_the_frame_and_counts_the_reason()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        assembler.Push(1, 100, false, KeyStart);
        assembler.Push(2, 100, true, [0x80]); // X bit without the extension byte
        Assert.Empty(sink.Frames);
        Assert.Equal(1, assembler.PayloadsRejected);
        Assert.Equal(PayloadDropReason.TooShort, assembler.LastDropReason);
        Assert.Equal(1, assembler.FramesDropped);
    }

    [Fact]
    public void Stale_sequence_numbers_are_ignored()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        assembler.Push(5, 100, true, KeyStart);
        assembler.Push(5, 100, true, KeyStart);
        assembler.Push(4, 100, true, KeyStart);
        Assert.Single(sink.Frames);
        Assert.Equal(0, assembler.Gaps);
    }
}
