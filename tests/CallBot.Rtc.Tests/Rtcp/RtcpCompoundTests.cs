using CallBot.Rtc.Rtcp;
using CsCheck;

namespace CallBot.Rtc.Tests.Rtcp;

public sealed class RtcpCompoundTests
{
    private static byte[] Compound(params IRtcpPacket[] packets)
    {
        var size = packets.Sum(p => p.GetSize());
        var buffer = new byte[size];
        var offset = 0;
        foreach (var p in packets)
        {
            Assert.True(p.TryWrite(buffer.AsSpan(offset), out var written));
            offset += written;
        }

        return buffer;
    }

    [Fact]
    public void Reader_walks_every_packet_and_parser_types_them()
    {
        var datagram = Compound(
            new ReceiverReport { Ssrc = 1 },
            new SourceDescription { Chunks = [new SdesChunk(1, "cname")] },
            new PictureLossIndication(1, 2),
            GenericNack.FromSequenceNumbers(1, 2, [5, 6]));
        var packets = new List<IRtcpPacket>();
        Assert.True(RtcpPacketParser.TryParseCompound(datagram, packets, out _));
        Assert.Collection(
            packets,
            p => Assert.IsType<ReceiverReport>(p),
            p => Assert.IsType<SourceDescription>(p),
            p => Assert.IsType<PictureLossIndication>(p),
            p => Assert.IsType<GenericNack>(p));
        Assert.Equal(RtcpCompoundError.None, RtcpCompoundValidator.Validate(datagram, allowReducedSize: false));
    }

    [Fact]
    public void Unknown_types_become_raw_packets()
    {
        byte[] app =
        [
            0x80, 0xCC, 0x00, 0x02, // APP, length 2
            0x00, 0x00, 0x00, 0x01, // SSRC
            0x41, 0x42, 0x43, 0x44, // name "ABCD"
        ];
        var packets = new List<IRtcpPacket>();
        Assert.True(RtcpPacketParser.TryParseCompound(app, packets, out _));
        var raw = Assert.IsType<RawRtcpPacket>(Assert.Single(packets));
        Assert.Equal(RtcpPacketType.ApplicationDefined, raw.Header.PacketType);
        Assert.Equal(app, raw.Bytes.ToArray());
    }

    [Fact]
    public void Validator_names_each_rule()
    {
        var pli = new PictureLossIndication(1, 2);
        var rr = new ReceiverReport { Ssrc = 1 };
        Assert.Equal(RtcpCompoundError.Empty, RtcpCompoundValidator.Validate([], false));
        Assert.Equal(RtcpCompoundError.FirstNotReport, RtcpCompoundValidator.Validate(Compound(pli), false));
        Assert.Equal(RtcpCompoundError.None, RtcpCompoundValidator.Validate(Compound(pli), true));
        Assert.Equal(RtcpCompoundError.MissingCname, RtcpCompoundValidator.Validate(Compound(rr, pli), false));
        var truncated = Compound(rr, pli)[..^2];
        Assert.Equal(RtcpCompoundError.Malformed, RtcpCompoundValidator.Validate(truncated, true));
    }

    [Fact]
    public void Padding_only_allowed_on_the_last_packet()
    {
        var datagram = Compound(new ReceiverReport { Ssrc = 1 }, new PictureLossIndication(1, 2));
        datagram[0] |= 0x20;
        var reader = new RtcpCompoundReader(datagram);
        Assert.False(reader.MoveNext());
        Assert.Equal(RtcpDropReason.BadPadding, reader.Error);
    }

    [Fact]
    public void Random_and_mutated_datagrams_never_throw()
    {
        var valid = Compound(
            new SenderReport { Ssrc = 1, ReportBlocks = [new ReportBlock(2, 1, 2, 3, 4, 5, 6)] },
            new SourceDescription { Chunks = [new SdesChunk(1, "cname")] },
            new Goodbye { Ssrcs = [1], Reason = "bye" },
            new FullIntraRequest { Entries = [new FirEntry(1, 1)] },
            new ReceiverEstimatedMaxBitrate { Bitrate = 100_000, Ssrcs = [1] },
            new TransportCc { Packets = [new TwccPacketResult(0, TwccStatus.SmallDelta, 1)] },
            GenericNack.FromSequenceNumbers(1, 2, [1]),
            new PictureLossIndication(1, 2));
        var packets = new List<IRtcpPacket>();
        Assert.True(RtcpPacketParser.TryParseCompound(valid, packets, out _));
        Assert.Equal(8, packets.Count);

        Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte, Gen.Int[0, valid.Length]).Sample((index, value, cut) =>
        {
            var copy = (byte[])valid.Clone();
            copy[index] = value;
            packets.Clear();
            RtcpPacketParser.TryParseCompound(copy.AsSpan(0, cut), packets, out _);
            RtcpCompoundValidator.Validate(copy.AsSpan(0, cut), false);
        }, iter: 20_000);

        Gen.Byte.Array[0, 64].Select(Gen.Byte, Gen.Int[0, 31], (body, type, fmt) =>
        {
            body = [.. body, 0, 0, 0, 0];
            body[0] = (byte)(0x80 | fmt);
            body[1] = (byte)(200 + (type % 8));
            body[2] = 0;
            body[3] = (byte)((body.Length / 4) - 1);
            return body[..((body.Length / 4) * 4)];
        }).Sample(bytes =>
        {
            packets.Clear();
            RtcpPacketParser.TryParseCompound(bytes, packets, out _);
        }, iter: 20_000);
    }
}
