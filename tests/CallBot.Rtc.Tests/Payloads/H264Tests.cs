using CallBot.Abstractions;
using CallBot.Rtc.Payloads;
using CsCheck;

namespace CallBot.Rtc.Tests.Payloads;

public sealed class H264Tests
{
    private static List<byte[]> Units(ReadOnlySpan<byte> annexB)
    {
        var list = new List<byte[]>();
        var reader = new AnnexBNalReader(annexB);
        while (reader.MoveNext())
        {
            list.Add(reader.Current.ToArray());
        }

        return list;
    }

    private static byte[] AnnexB(IEnumerable<byte[]> units) => units.SelectMany(u => new byte[] { 0, 0, 0, 1 }.Concat(u)).ToArray();

    private static List<byte[]> Sendable(byte[] accessUnit) =>
        Units(accessUnit).Where(u => H264NalType.Of(u[0]) is not (H264NalType.AccessUnitDelimiter or H264NalType.Filler)).ToList();

    [Fact]
    public void Annex_b_reader_handles_3_and_4_byte_start_codes_and_trailing_zeros()
    {
        byte[] stream =
        [
            0x00, 0x00, 0x00, 0x01, 0x67, 0x42, // SPS after a 4-byte start code
            0x00, 0x00, 0x01, 0x68, 0xCE, 0x00, // PPS after a 3-byte start code, one trailing zero
            0x00, 0x00, 0x00, 0x01, 0x65, 0x88, // IDR
        ];
        var units = Units(stream);
        Assert.Equal([[0x67, 0x42], [0x68, 0xCE], [0x65, 0x88]], units);
    }

    [Fact]
    public void Small_units_are_aggregated_into_one_stap_a()
    {
        var frame = AnnexB([[0x67, 0x42, 0x1E], [0x68, 0xCE], [0x65, 0x88, 0x84]]);
        var packets = PayloadHarness.Packetize(new H264Payloader(), 1200, frame, 0);
        var packet = Assert.Single(packets);
        Assert.Equal(
            new byte[]
            {
                0x78,                   // F=0 NRI=3 type=24 STAP-A
                0x00, 0x03, 0x67, 0x42, 0x1E, // size 3, SPS
                0x00, 0x02, 0x68, 0xCE,       // size 2, PPS
                0x00, 0x03, 0x65, 0x88, 0x84, // size 3, IDR
            },
            packet.Payload);
        Assert.True(packet.Marker);
    }

    [Theory]
    [InlineData(99, 1)]
    [InlineData(100, 1)]  // exactly the payload size: single NAL unit packet
    [InlineData(101, 2)]  // one byte more: two FU-A fragments
    [InlineData(197, 2)]  // 196 bytes after the NAL header, 98 per fragment
    [InlineData(198, 3)]
    public void Packet_count_at_the_mtu_boundary(int unitSize, int expectedPackets)
    {
        var unit = Enumerable.Range(0, unitSize).Select(i => (byte)(i | 1)).ToArray();
        unit[0] = 0x65; // IDR
        unit[1] = 0x88; // first_mb_in_slice = 0: starts the picture
        var packets = PayloadHarness.Packetize(new H264Payloader(), 100, AnnexB([unit]), 0);
        Assert.Equal(expectedPackets, packets.Count);
        if (expectedPackets == 1)
        {
            Assert.Equal(unit, packets[0].Payload);
        }
        else
        {
            Assert.Equal(0x7C, packets[0].Payload[0]);   // F=0 NRI=3 type=28 FU-A
            Assert.Equal(0x85, packets[0].Payload[1]);   // S=1 type=5
            Assert.Equal(0x45, packets[^1].Payload[1]);  // E=1 type=5
        }

        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.H264, new H264Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets);
        Assert.Equal(AnnexB([unit]), Assert.Single(sink.Frames).Data);
    }

    [Fact]
    public void Real_ffmpeg_access_units_round_trip()
    {
        var units = FfmpegSamples.H264AccessUnits;
        Assert.Equal(30, units.Count);
        var packets = PayloadHarness.PacketizeAll(new H264Payloader(), 1100, units, 3000);
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.H264, new H264Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets);

        Assert.Equal(units.Count, sink.Frames.Count);
        for (var i = 0; i < units.Count; i++)
        {
            Assert.Equal(AnnexB(Sendable(units[i])), sink.Frames[i].Data);
            Assert.Equal(i % 15 == 0, sink.Frames[i].IsKeyFrame);
        }
    }

    [Fact]
    public void Sps_and_pps_are_put_back_in_front_of_an_idr_that_lacks_them()
    {
        var units = FfmpegSamples.H264AccessUnits;
        var first = Sendable(units[0]);
        var sps = first.Single(u => H264NalType.Of(u[0]) == H264NalType.Sps);
        var pps = first.Single(u => H264NalType.Of(u[0]) == H264NalType.Pps);
        var bareIdr = Sendable(units[15]).Where(u => H264NalType.Of(u[0]) is not (H264NalType.Sps or H264NalType.Pps)).ToList();
        Assert.Contains(bareIdr, u => H264NalType.Of(u[0]) == H264NalType.IdrSlice);

        var frames = units.Take(15).Append(AnnexB(bareIdr)).ToList();
        var packets = PayloadHarness.PacketizeAll(new H264Payloader(), 1100, frames, 3000);
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.H264, new H264Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets);

        Assert.Equal(16, sink.Frames.Count);
        Assert.Equal(AnnexB(new[] { sps, pps }.Concat(bareIdr)), sink.Frames[15].Data);
    }

    [Fact]
    public void Losing_a_middle_fu_a_fragment_drops_the_frame()
    {
        var units = FfmpegSamples.H264AccessUnits;
        var packets = PayloadHarness.PacketizeAll(new H264Payloader(), 200, units, 3000);
        var keyframe = packets.Select((p, i) => (p, i)).Where(x => x.p.Timestamp == 0).Select(x => x.i).ToList();
        Assert.True(keyframe.Count > 3);
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.H264, new H264Depacketizer(), sink);
        PayloadHarness.Feed(assembler, packets, new HashSet<int> { keyframe[2] });

        Assert.Equal(1, assembler.FramesDropped);
        Assert.Equal(1, assembler.Gaps);
        // Nothing decodes until the IDR at frame 15.
        Assert.Equal(15, sink.Frames.Count);
        Assert.True(sink.Frames[0].IsKeyFrame);
        Assert.Equal(AnnexB(Sendable(units[15])), sink.Frames[0].Data);
    }

    public static TheoryData<string, byte[], PayloadDropReason> BadPayloads => new()
    {
        { "empty", [], PayloadDropReason.TooShort },
        { "STAP-A size past the end", [0x78, 0x00, 0x05, 0x67, 0x42], PayloadDropReason.BadLength },
        { "STAP-A zero size", [0x78, 0x00, 0x00], PayloadDropReason.BadLength },
        { "STAP-A dangling size byte", [0x78, 0x00, 0x01, 0x67, 0x00], PayloadDropReason.BadLength },
        { "STAP-A empty", [0x78], PayloadDropReason.TooShort },
        { "FU-A without data", [0x7C, 0x85], PayloadDropReason.TooShort },
        { "FU-A continuation without start", [0x7C, 0x05, 0x11], PayloadDropReason.MissingStart },
        { "STAP-B", [0x79, 0x00, 0x00], PayloadDropReason.Unsupported },
        { "FU-B", [0x7D, 0x85, 0x00, 0x00, 0x11], PayloadDropReason.Unsupported },
    };

    [Theory]
    [MemberData(nameof(BadPayloads))]
    public void Bad_payloads_are_rejected_with_a_reason(string name, byte[] payload, PayloadDropReason expected)
    {
        using var frame = new FrameBuffer(16);
        Assert.False(new H264Depacketizer().TryUnmarshal(payload, frame, out var reason), name);
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Random_payloads_never_throw_and_stay_bounded()
    {
        var sink = new CollectingSink();
        using var assembler = new FrameAssembler(CodecId.H264, new H264Depacketizer(), sink, maxFrameSize: 4096);
        long seq = 0;
        byte[][] prefixOptions = [[0x78], [0x7C, 0x85], [0x7C, 0x05], [0x7C, 0x45], [0x65, 0x88], [0x67], []];
        var prefixes = Gen.Int[0, prefixOptions.Length - 1].Select(i => prefixOptions[i]);
        Gen.Select(prefixes, Gen.Byte.Array[0, 40], Gen.Bool).Sample((prefix, body, marker) =>
        {
            seq++;
            assembler.Push(seq, (uint)(seq / 3), marker, [.. prefix, .. body]);
        }, iter: 20_000, threads: 1);
        Assert.All(sink.Frames, f => Assert.InRange(f.Data.Length, 1, 4096 + 1024));

        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var reader = new AnnexBNalReader(bytes);
            var total = 0;
            while (reader.MoveNext())
            {
                total += reader.Current.Length;
            }

            Assert.InRange(total, 0, bytes.Length);
            PayloadHarness.Packetize(new H264Payloader(), 50, bytes, 0);
        }, iter: 5_000);
    }
}
