using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CsCheck;

namespace CallBot.Rtc.Tests.Payloads;

public sealed class Vp8Tests
{
    public static TheoryData<string, byte[], Vp8Descriptor, int> Descriptors => new()
    {
        { "minimal, start of partition 0", [0x10], new Vp8Descriptor { StartOfPartition = true }, 1 },
        { "N=1, partition 3", [0x23], new Vp8Descriptor { NonReference = true, PartitionIndex = 3 }, 1 },
        {
            "X, I with 7-bit picture id 0x55",
            [0x90, 0x80, 0x55],
            new Vp8Descriptor { StartOfPartition = true, HasPictureId = true, PictureId = 0x55 },
            3
        },
        {
            "X, I with M: 15-bit picture id 0x1234",
            [0x90, 0x80, 0x92, 0x34],
            new Vp8Descriptor { StartOfPartition = true, HasPictureId = true, LongPictureId = true, PictureId = 0x1234 },
            4
        },
        {
            "X, I, L, T, K: pid 0x7FFF, tl0 9, tid 2 Y keyidx 5",
            [0x80, 0xF0, 0xFF, 0xFF, 0x09, 0xA5],
            new Vp8Descriptor
            {
                HasPictureId = true, LongPictureId = true, PictureId = 0x7FFF, HasTl0PicIdx = true, Tl0PicIdx = 9,
                HasTid = true, Tid = 2, LayerSync = true, HasKeyIdx = true, KeyIdx = 5,
            },
            6
        },
    };

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Descriptor_annotated_bytes(string name, byte[] wire, Vp8Descriptor expected, int expectedLength)
    {
        Assert.True(Vp8Descriptor.TryParse(wire, out var d, out var length), name);
        Assert.Equal(expected, d);
        Assert.Equal(expectedLength, length);
        var written = new byte[Vp8Descriptor.MaxSize];
        Assert.Equal(wire.Length, expected.Write(written));
        Assert.Equal(wire, written[..wire.Length]);
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]             // X without the X byte
    [InlineData(new byte[] { 0x80, 0x80 })]       // I without picture id
    [InlineData(new byte[] { 0x80, 0x80, 0x80 })] // M without second byte
    [InlineData(new byte[] { 0x80, 0x40 })]       // L without TL0PICIDX
    [InlineData(new byte[] { 0x80, 0x20 })]       // T without TID byte
    public void Truncated_descriptors_are_rejected(byte[] wire)
    {
        Assert.False(Vp8Descriptor.TryParse(wire, out _, out _));
        using var frame = new FrameBuffer(16);
        Assert.False(new Vp8Depacketizer().TryUnmarshal(wire, frame, out var reason));
        Assert.Equal(PayloadDropReason.TooShort, reason);
    }

    [Theory]
    [InlineData(99, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(200, 2)]
    [InlineData(201, 3)]
    public void Packet_count_at_the_mtu_boundary(int frameSize, int expectedPackets)
    {
        // 104 bytes of payload = 4-byte descriptor (15-bit picture id) + 100 bytes of frame.
        var frame = Enumerable.Range(0, frameSize).Select(i => (byte)i).ToArray();
        var packets = PayloadHarness.Packetize(new Vp8Payloader(), 104, frame, 0);
        Assert.Equal(expectedPackets, packets.Count);
        Assert.All(packets, p => Assert.InRange(p.Payload.Length, 5, 104));
        Assert.True(packets[^1].Marker);
        Assert.Equal(0x90, packets[0].Payload[0]); // X=1, S=1, PID=0
        Assert.All(packets.Skip(1), p => Assert.Equal(0x80, p.Payload[0])); // S=0 after the first

        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Opus, new Vp8Depacketizer(), sink); // audio rules: no keyframe gate
        PayloadHarness.Feed(assembler, packets);
        Assert.Equal(frame, Assert.Single(sink.Frames).Data);
    }

    [Fact]
    public void Picture_id_grows_per_frame_and_wraps_at_15_bits()
    {
        var payloader = new Vp8Payloader(initialPictureId: 0x7FFF);
        var first = PayloadHarness.Packetize(payloader, 1200, [1, 2, 3], 0);
        var second = PayloadHarness.Packetize(payloader, 1200, [1, 2, 3], 0);
        Assert.True(Vp8Descriptor.TryParse(first[0].Payload, out var d1, out _));
        Assert.True(Vp8Descriptor.TryParse(second[0].Payload, out var d2, out _));
        Assert.Equal(0x7FFF, d1.PictureId);
        Assert.Equal(0, d2.PictureId);
    }

    [Fact]
    public void Nothing_is_emitted_when_the_descriptor_does_not_fit()
    {
        Assert.Empty(PayloadHarness.Packetize(new Vp8Payloader(), 4, [1, 2, 3], 0));
        Assert.Empty(PayloadHarness.Packetize(new Vp8Payloader(), 1200, [], 0));
    }

    [Fact]
    public void Real_ffmpeg_frames_round_trip_identically()
    {
        var frames = FfmpegSamples.Vp8Frames;
        Assert.Equal(30, frames.Count);
        Assert.True(Vp8FrameHeader.TryGetSize(frames[0], out var width, out var height));
        Assert.Equal((320, 240), (width, height));
        Assert.False(Vp8FrameHeader.TryGetSize(frames[1], out _, out _));

        var packets = PayloadHarness.PacketizeAll(new Vp8Payloader(), 1100, frames, 3000);
        Assert.True(packets.Count > frames.Count); // keyframes span several packets
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets);

        Assert.Equal(frames.Count, sink.Frames.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i], sink.Frames[i].Data);
            Assert.Equal(i % 15 == 0, sink.Frames[i].IsKeyFrame);
            Assert.Equal(sink.Frames[0].Timestamp + (i * 3000), sink.Frames[i].Timestamp);
        }

        Assert.Equal(2, assembler.KeyFrames);
        Assert.False(assembler.NeedsKeyFrame);
    }

    [Fact]
    public void Loss_in_the_middle_of_a_frame_drops_it_and_asks_for_a_keyframe()
    {
        var frames = FfmpegSamples.Vp8Frames;
        var packets = PayloadHarness.PacketizeAll(new Vp8Payloader(), 300, frames, 3000);
        // Drop the second packet of frame 1 (a delta frame spanning several packets at this size).
        var frame1 = packets.Select((p, i) => (p, i)).Where(x => x.p.Timestamp == 3000).Select(x => x.i).ToList();
        Assert.True(frame1.Count >= 2, "frame 1 must span two packets for this test");
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        var keyFrameRequests = 0;
        assembler.KeyFrameNeeded += () => keyFrameRequests++;
        PayloadHarness.Feed(assembler, packets, new HashSet<int> { frame1[1] });

        Assert.Equal(1, assembler.Gaps);
        Assert.Equal(1, assembler.PacketsMissing);
        Assert.Equal(1, assembler.FramesDropped);
        Assert.Equal(1, keyFrameRequests);
        // Frame 0 is delivered; frames 2..14 cannot be decoded and are skipped; frame 15 (keyframe) resumes.
        Assert.Equal(13, assembler.FramesSkippedUntilKeyFrame);
        Assert.Equal(1 + 15, sink.Frames.Count);
        Assert.Equal(frames[15], sink.Frames[1].Data);
        Assert.True(sink.Frames[1].IsKeyFrame);
        Assert.DoesNotContain(sink.Frames, f => f.Timestamp - sink.Frames[0].Timestamp == 3000);
    }

    [Fact]
    public void Losing_a_first_packet_between_frames_is_caught_by_the_partition_head()
    {
        var frames = FfmpegSamples.Vp8Frames;
        var packets = PayloadHarness.PacketizeAll(new Vp8Payloader(), 300, frames, 3000);
        var firstOfFrame15 = packets.FindIndex(p => p.Timestamp == 15 * 3000);
        var firstOfFrame16 = packets.FindIndex(p => p.Timestamp == 16 * 3000);
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets, new HashSet<int> { firstOfFrame15 });

        Assert.Equal(1, assembler.FramesDropped);
        Assert.True(assembler.NeedsKeyFrame);
        Assert.Equal(15, sink.Frames.Count); // 0..14 only
        Assert.True(firstOfFrame16 > firstOfFrame15);
    }

    [Fact]
    public void Random_payloads_never_throw_and_stay_bounded()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.Vp8, new Vp8Depacketizer(), sink, maxFrameSize: 4096);
        long seq = 0;
        Gen.Select(Gen.Byte.Array[0, 40], Gen.Bool, Gen.Int[0, 3]).Sample((payload, marker, skip) =>
        {
            seq += skip == 3 ? 2 : 1;
            assembler.Push(seq, (uint)(seq / 4), marker, payload);
        }, iter: 20_000, threads: 1);
        Assert.All(sink.Frames, f => Assert.InRange(f.Data.Length, 1, 4096));
    }
}
