using CallBot.Rtc.Rtcp;

namespace CallBot.Rtc.Tests.Rtcp;

public sealed class RtcpPacketTests
{
    private static byte[] Write(IRtcpPacket packet)
    {
        var buffer = new byte[packet.GetSize()];
        Assert.True(packet.TryWrite(buffer, out var written));
        Assert.Equal(buffer.Length, written);
        Assert.Equal(0, written % 4);
        Assert.False(packet.TryWrite(new byte[written - 1], out _));
        return buffer;
    }

    [Fact]
    public void Sender_report_with_one_block()
    {
        byte[] wire =
        [
            0x81, 0xC8, 0x00, 0x0C, // V=2 P=0 RC=1 | PT=200 | length=12 words
            0x00, 0x00, 0x04, 0xD2, // sender SSRC 1234
            0xE9, 0x2A, 0x5C, 0x00, // NTP seconds
            0x80, 0x00, 0x00, 0x00, // NTP fraction 0.5
            0x00, 0x01, 0x5F, 0x90, // RTP timestamp 90000
            0x00, 0x00, 0x00, 0x64, // packet count 100
            0x00, 0x00, 0x27, 0x10, // octet count 10000
            0x00, 0x00, 0x16, 0x2E, // block: SSRC 5678
            0x40, 0xFF, 0xFF, 0xFE, // fraction lost 64/256 | cumulative lost -2
            0x00, 0x01, 0x00, 0x05, // extended highest seq (1 cycle, seq 5)
            0x00, 0x00, 0x00, 0x2A, // jitter 42
            0x5C, 0x00, 0x80, 0x00, // LSR
            0x00, 0x01, 0x00, 0x00, // DLSR 1 s
        ];
        Assert.True(SenderReport.TryParse(wire, out var sr, out var reason), reason.ToString());
        Assert.Equal(1234u, sr!.Ssrc);
        Assert.Equal(0xE92A5C0080000000UL, sr.NtpTimestamp);
        Assert.Equal(90000u, sr.RtpTimestamp);
        Assert.Equal(100u, sr.PacketCount);
        Assert.Equal(10000u, sr.OctetCount);
        var block = Assert.Single(sr.ReportBlocks);
        Assert.Equal(new ReportBlock(5678, 64, -2, 0x10005, 42, 0x5C008000, 0x10000), block);
        Assert.Equal(wire, Write(sr));
    }

    [Fact]
    public void Receiver_report_round_trips_and_clamps_cumulative_loss()
    {
        var rr = new ReceiverReport
        {
            Ssrc = 1,
            ReportBlocks = [new ReportBlock(2, 10, 20_000_000, 7, 8, 9, 10), new ReportBlock(3, 0, 0, 0, 0, 0, 0)],
        };
        var wire = Write(rr);
        Assert.Equal(new byte[] { 0x82, 0xC9, 0x00, 0x0D }, wire[..4]); // RC=2, PT=201, 13 words
        Assert.True(ReceiverReport.TryParse(wire, out var parsed, out _));
        Assert.Equal(2, parsed!.ReportBlocks.Count);
        Assert.Equal(0x7FFFFF, parsed.ReportBlocks[0].CumulativeLost);
        Assert.Equal(rr.ReportBlocks[1], parsed.ReportBlocks[1]);
    }

    [Fact]
    public void Pli_annotated_bytes()
    {
        byte[] wire =
        [
            0x81, 0xCE, 0x00, 0x02, // V=2 FMT=1 | PT=206 PSFB | length=2
            0x00, 0x00, 0x00, 0x01, // sender SSRC
            0x12, 0x34, 0x56, 0x78, // media SSRC
        ];
        Assert.True(PictureLossIndication.TryParse(wire, out var pli, out _));
        Assert.Equal(new PictureLossIndication(1, 0x12345678), pli);
        Assert.Equal(wire, Write(pli!));
    }

    [Fact]
    public void Generic_nack_annotated_bytes_and_lost_list()
    {
        byte[] wire =
        [
            0x81, 0xCD, 0x00, 0x04, // V=2 FMT=1 | PT=205 RTPFB | length=4
            0x00, 0x00, 0x00, 0x01, // sender SSRC
            0x00, 0x00, 0x00, 0x02, // media SSRC
            0xFF, 0xFE, 0x00, 0x05, // PID 65534, BLP bits 0 and 2: 65535 and 1 (wrapped)
            0x00, 0x20, 0x00, 0x00, // PID 32 alone
        ];
        Assert.True(GenericNack.TryParse(wire, out var nack, out _));
        Span<ushort> lost = stackalloc ushort[8];
        var n = nack!.CopyLostSequenceNumbers(lost);
        Assert.Equal(new ushort[] { 65534, 65535, 1, 32 }, lost[..n].ToArray());

        var built = GenericNack.FromSequenceNumbers(1, 2, [65534, 65535, 1, 32]);
        Assert.Equal(wire, Write(built));
    }

    [Fact]
    public void Nack_bitmask_covers_exactly_16_following_packets()
    {
        var nack = GenericNack.FromSequenceNumbers(1, 2, [100, 116, 117]);
        Assert.Equal([new NackPair(100, 0x8000), new NackPair(117, 0)], nack.Pairs);
    }

    [Fact]
    public void Fir_annotated_bytes()
    {
        byte[] wire =
        [
            0x84, 0xCE, 0x00, 0x04, // V=2 FMT=4 | PT=206 | length=4
            0x00, 0x00, 0x00, 0x01, // sender SSRC
            0x00, 0x00, 0x00, 0x00, // media SSRC (unused)
            0x00, 0x00, 0x00, 0x09, // FCI: SSRC 9
            0x07, 0x00, 0x00, 0x00, // seq nr 7, reserved
        ];
        Assert.True(FullIntraRequest.TryParse(wire, out var fir, out _));
        Assert.Equal([new FirEntry(9, 7)], fir!.Entries);
        Assert.Equal(wire, Write(fir));
    }

    [Fact]
    public void Remb_annotated_bytes()
    {
        byte[] wire =
        [
            0x8F, 0xCE, 0x00, 0x05, // V=2 FMT=15 | PT=206 | length=5
            0x00, 0x00, 0x00, 0x01, // sender SSRC
            0x00, 0x00, 0x00, 0x00, // media SSRC 0
            0x52, 0x45, 0x4D, 0x42, // "REMB"
            0x01, 0x0B, 0xD0, 0x90, // num SSRC 1 | exp 2 | mantissa 0x3D090 (250000) → 1,000,000 bps
            0x00, 0x00, 0x00, 0x2A, // SSRC 42
        ];
        Assert.True(ReceiverEstimatedMaxBitrate.TryParse(wire, out var remb, out _));
        Assert.Equal(1_000_000UL, remb!.Bitrate);
        Assert.Equal([42u], remb.Ssrcs);
        Assert.Equal(wire, Write(remb));
    }

    [Fact]
    public void Remb_rounds_large_bitrates_down_to_18_significant_bits()
    {
        var remb = new ReceiverEstimatedMaxBitrate { SenderSsrc = 1, Bitrate = 123_456_789 };
        Assert.True(ReceiverEstimatedMaxBitrate.TryParse(Write(remb), out var parsed, out _));
        Assert.InRange(parsed!.Bitrate, 123_456_789UL - 512, 123_456_789UL);
    }

    [Fact]
    public void Sdes_cname_annotated_bytes()
    {
        byte[] wire =
        [
            0x81, 0xCA, 0x00, 0x03, // V=2 SC=1 | PT=202 | length=3
            0x00, 0x00, 0x00, 0x05, // SSRC 5
            0x01, 0x04, 0x62, 0x6F, // CNAME, len 4, "bo"
            0x74, 0x31, 0x00, 0x00, // "t1", end of items, pad
        ];
        Assert.True(SourceDescription.TryParse(wire, out var sdes, out _));
        Assert.Equal([new SdesChunk(5, "bot1")], sdes!.Chunks);
        Assert.Equal(wire, Write(sdes));
    }

    [Fact]
    public void Sdes_with_cname_filling_the_word_still_has_a_terminator()
    {
        var sdes = new SourceDescription { Chunks = [new SdesChunk(1, "ab")] }; // 2+2 = 4 bytes: needs a whole extra word
        var wire = Write(sdes);
        Assert.Equal(16, wire.Length);
        Assert.True(SourceDescription.TryParse(wire, out var parsed, out _));
        Assert.Equal("ab", parsed!.Chunks[0].Cname);
    }

    [Fact]
    public void Bye_with_reason()
    {
        byte[] wire =
        [
            0x81, 0xCB, 0x00, 0x02, // V=2 SC=1 | PT=203 | length=2
            0x00, 0x00, 0x00, 0x07, // SSRC 7
            0x02, 0x6F, 0x6B, 0x00, // reason len 2 "ok", pad
        ];
        Assert.True(Goodbye.TryParse(wire, out var bye, out _));
        Assert.Equal([7u], bye!.Ssrcs);
        Assert.Equal("ok", bye.Reason);
        Assert.Equal(wire, Write(bye));
    }

    [Fact]
    public void Transport_cc_annotated_bytes()
    {
        byte[] wire =
        [
            0x8F, 0xCD, 0x00, 0x06, // V=2 FMT=15 | PT=205 | length=6
            0x00, 0x00, 0x00, 0x01, // sender SSRC
            0x00, 0x00, 0x00, 0x02, // media SSRC
            0x00, 0x0A, 0x00, 0x04, // base seq 10 | status count 4
            0xFF, 0xFF, 0xFE, 0x03, // reference time -2 (x64 ms) | fb pkt count 3
            0xD8, 0x40, 0x04, 0xFF, // 2-bit vector 11|01 10 00 01 00 00 00: small, large, none, small | delta 4 | large delta hi
            0xF6, 0x08, 0x00, 0x00, // large delta lo (-10) | delta 8 | zero padding
        ];
        Assert.True(TransportCc.TryParse(wire, out var twcc, out var reason), reason.ToString());
        Assert.Equal(10, twcc!.BaseSequenceNumber);
        Assert.Equal(-2, twcc.ReferenceTime);
        Assert.Equal(3, twcc.FeedbackPacketCount);
        Assert.Equal(
            [
                new TwccPacketResult(10, TwccStatus.SmallDelta, 4),
                new TwccPacketResult(11, TwccStatus.LargeDelta, -10),
                new TwccPacketResult(12, TwccStatus.NotReceived, 0),
                new TwccPacketResult(13, TwccStatus.SmallDelta, 8),
            ],
            twcc.Packets);
        Assert.Equal(wire, Write(twcc));
    }

    [Fact]
    public void Transport_cc_run_length_and_one_bit_chunks_parse()
    {
        byte[] wire =
        [
            0x8F, 0xCD, 0x00, 0x07, // length=7
            0, 0, 0, 1, 0, 0, 0, 2, // SSRCs
            0xFF, 0xFF, 0x00, 0x07, // base seq 65535 | status count 7
            0x00, 0x00, 0x01, 0x00, // reference time 1
            0x20, 0x05, 0xA0, 0x00, // run length 0|01|5: small x5 | 1-bit vector 1|0|1 0...: received, not received
            0x01, 0x02, 0x03, 0x04, // deltas of the five
            0x05, 0x06, 0x00, 0x00, // delta of the fifth, of the sixth (1-bit "received"); the seventh is not received | padding
        ];
        Assert.True(TransportCc.TryParse(wire, out var twcc, out var reason), reason.ToString());
        Assert.Equal(7, twcc!.Packets.Count);
        Assert.Equal(new TwccPacketResult(65535, TwccStatus.SmallDelta, 1), twcc.Packets[0]);
        Assert.Equal(new TwccPacketResult(4, TwccStatus.SmallDelta, 6), twcc.Packets[5]);
        Assert.Equal(TwccStatus.NotReceived, twcc.Packets[6].Status);

        wire[15] = 0x13; // status count 19 ...
        wire[22] = 0xBF; // ... and 14 "received" in the 1-bit vector: 19 deltas, 8 bytes left
        wire[23] = 0xFF;
        Assert.False(TransportCc.TryParse(wire, out _, out reason));
        Assert.Equal(RtcpDropReason.Malformed, reason);
    }

    [Fact]
    public void Transport_cc_is_built_from_arrival_times()
    {
        long[] arrivals = [64_100, 65_100, -1, 100_000, 200_000, 150_000, -1];
        var twcc = TransportCc.Build(1, 2, 5, 40, arrivals, out var consumed);
        Assert.Equal(6, consumed); // the trailing loss is left for the next feedback
        Assert.Equal(1, twcc.ReferenceTime); // 64 ms
        Assert.Equal(
            [
                new TwccPacketResult(40, TwccStatus.SmallDelta, 0),    // 64.1 ms → 256 ticks of 250 µs, reference 256
                new TwccPacketResult(41, TwccStatus.SmallDelta, 4),    // +1 ms
                new TwccPacketResult(42, TwccStatus.NotReceived, 0),
                new TwccPacketResult(43, TwccStatus.SmallDelta, 140),  // 100 ms → 400 ticks
                new TwccPacketResult(44, TwccStatus.LargeDelta, 400),  // 200 ms → 800 ticks
                new TwccPacketResult(45, TwccStatus.LargeDelta, -200), // arrived out of order
            ],
            twcc.Packets);
        Assert.True(TransportCc.TryParse(Write(twcc), out var parsed, out _));
        Assert.Equal(twcc.Packets, parsed!.Packets);
    }

    [Fact]
    public void Transport_cc_round_trips()
    {
        var twcc = new TransportCc
        {
            SenderSsrc = 1,
            MediaSsrc = 2,
            BaseSequenceNumber = 65530,
            ReferenceTime = -5,
            FeedbackPacketCount = 9,
            Packets = Enumerable.Range(0, 20).Select(i => new TwccPacketResult(
                (ushort)(65530 + i),
                (TwccStatus)(i % 3),
                i % 3 == 0 ? (short)0 : i % 3 == 1 ? (short)i : (short)-i)).ToArray(),
        };
        Assert.True(TransportCc.TryParse(Write(twcc), out var parsed, out _));
        Assert.Equal(twcc.Packets, parsed!.Packets);
        Assert.Equal(-5, parsed.ReferenceTime);
    }

    [Fact]
    public void Each_type_rejects_a_header_that_is_not_its_own()
    {
        var pli = Write(new PictureLossIndication(1, 2));
        Assert.False(GenericNack.TryParse(pli, out _, out var r1));
        Assert.Equal(RtcpDropReason.WrongType, r1);
        Assert.False(FullIntraRequest.TryParse(pli, out _, out _));
        Assert.False(SenderReport.TryParse(pli, out _, out _));
        Assert.False(ReceiverEstimatedMaxBitrate.TryParse(pli, out _, out _));
        Assert.False(TransportCc.TryParse(pli, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0xC9, 0x00, 0x01, 0, 0, 0, 1 }, RtcpDropReason.BadCount)]        // RC=1 but no block
    [InlineData(new byte[] { 0x80, 0xC9, 0x00, 0x05, 0, 0, 0, 1 }, RtcpDropReason.LengthOverrun)]   // length beyond data
    [InlineData(new byte[] { 0x40, 0xC9, 0x00, 0x01, 0, 0, 0, 1 }, RtcpDropReason.BadVersion)]
    [InlineData(new byte[] { 0xA0, 0xC9, 0x00, 0x01, 0, 0, 0, 9 }, RtcpDropReason.BadPadding)]      // pad count 9 > packet
    [InlineData(new byte[] { 0x80, 0xC9, 0x00 }, RtcpDropReason.TooShort)]
    public void Receiver_report_errors(byte[] wire, RtcpDropReason expected)
    {
        Assert.False(ReceiverReport.TryParse(wire, out _, out var reason));
        Assert.Equal(expected, reason);
    }
}
