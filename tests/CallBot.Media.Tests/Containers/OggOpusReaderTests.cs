using System.Buffers.Binary;
using CallBot.Media.Containers;

namespace CallBot.Media.Tests.Containers;

public sealed class OggOpusReaderTests
{
    // TOC 0x78: config 15 (hybrid FB 20 ms), mono, c=0 (one frame) -> 960 samples.
    private const byte Toc20ms = 0x78;
    // TOC 0x7B: config 15, c=3, next byte 0x02 -> two 20 ms frames = 1920 samples.
    private const byte TocCode3 = 0x7B;

    private static byte[] OpusHead(ushort preSkip = 312)
    {
        var head = new byte[19];
        "OpusHead"u8.CopyTo(head);
        head[8] = 1;                                                   // version
        head[9] = 1;                                                   // channels
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(10), preSkip);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), 48000); // input sample rate
        return head;                                                   // gain 0, mapping family 0
    }

    private static byte[] OpusTags() => [.. "OpusTags"u8, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>Builds one page: header, lacing values for <paramref name="packets"/> (the last one left open when <paramref name="lastContinues"/>), CRC.</summary>
    internal static byte[] Page(byte headerType, long granule, uint sequence, IReadOnlyList<byte[]> packets, bool lastContinues = false)
    {
        var lacing = new List<byte>();
        var body = new List<byte>();
        for (var p = 0; p < packets.Count; p++)
        {
            var length = packets[p].Length;
            body.AddRange(packets[p]);
            while (length >= 255)
            {
                lacing.Add(255);
                length -= 255;
            }

            if (!(lastContinues && p == packets.Count - 1))
            {
                lacing.Add((byte)length);
            }
        }

        var page = new byte[27 + lacing.Count + body.Count];
        "OggS"u8.CopyTo(page);
        page[5] = headerType;
        BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(14), 0x1234);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(18), sequence);
        page[26] = (byte)lacing.Count;
        lacing.CopyTo(page, 27);
        body.CopyTo(page, 27 + lacing.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(22), OggCrc.Compute(page));
        return page;
    }

    private static byte[] Packet(byte toc, int length, byte fill)
    {
        var packet = new byte[length];
        Array.Fill(packet, fill);
        packet[0] = toc;
        if (toc == TocCode3)
        {
            packet[1] = 0x02;
        }

        return packet;
    }

    [Fact]
    public void Skips_headers_joins_laced_and_continued_packets_and_times_them()
    {
        var big = Packet(Toc20ms, 300, 0xA1);         // laced as 255 + 45
        var split = Packet(TocCode3, 400, 0xB2);      // starts on page 2, ends on page 3
        // page 2 ends inside `split`; page 3 is flagged continued and starts with its tail.
        var stream = Concat(
            Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusHead()]),
            Page(0, 0, 1, [OpusTags()]),
            Page(0, 1920, 2, [Packet(Toc20ms, 10, 1), big, split[..255]], lastContinues: true),
            Page(OggPage.ContinuedFlag | OggPage.EndOfStreamFlag, 1920 + 1920 + 960, 3, [split[255..], Packet(Toc20ms, 5, 3)]));

        var reader = new OggOpusReader(stream);
        var packets = new List<OpusPacket>();
        while (reader.TryReadNext(out var packet))
        {
            packets.Add(packet);
        }

        Assert.Equal(ContainerError.None, reader.Error);
        Assert.Equal(1, reader.Channels);
        Assert.Equal(312, reader.PreSkip);
        Assert.Equal(4, packets.Count);
        Assert.Equal([0L, 960, 1920, 3840], packets.Select(p => p.Timestamp));
        Assert.Equal([960, 960, 1920, 960], packets.Select(p => p.Samples));
        Assert.Equal(big, packets[1].Data.ToArray());
        Assert.Equal(split, packets[2].Data.ToArray());
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    [Fact]
    public void A_gap_in_granule_positions_moves_later_packets_forward()
    {
        var stream = Concat(
            Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusHead()]),
            Page(0, 0, 1, [OpusTags()]),
            Page(0, 960, 2, [Packet(Toc20ms, 3, 0)]),
            Page(0, 960 * 5, 3, [Packet(Toc20ms, 3, 0)]));  // 3 packets were not transmitted (DTX)
        var reader = new OggOpusReader(stream);
        Assert.True(reader.TryReadNext(out var first));
        Assert.True(reader.TryReadNext(out var second));
        Assert.Equal(0, first.Timestamp);
        Assert.Equal(960, second.Timestamp);
        Assert.False(reader.TryReadNext(out _));
    }

    [Fact]
    public void Bad_checksum_missing_opus_head_and_bad_toc_are_reported()
    {
        var page = Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusHead()]);
        page[^1] ^= 0xFF;
        var reader = new OggOpusReader(page);
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.BadChecksum, reader.Error);

        reader = new OggOpusReader(Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusTags()]));
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.BadSignature, reader.Error);

        reader = new OggOpusReader(Concat(
            Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusHead()]),
            Page(0, 0, 1, [OpusTags()]),
            Page(0, 960, 2, [[0x7B, 0x00]])));          // code 3 with a frame count of 0
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.BadOpusPacket, reader.Error);
    }

    [Theory]
    [InlineData(new byte[] { 0x78 }, 960)]        // hybrid 20 ms, 1 frame
    [InlineData(new byte[] { 0xF8 }, 960)]        // CELT config 31: 20 ms
    [InlineData(new byte[] { 0x80 }, 120)]        // CELT config 16: 2.5 ms
    [InlineData(new byte[] { 0x09 }, 1920)]       // SILK config 1 (20 ms), c=1: 2 frames
    [InlineData(new byte[] { 0x1B, 0x03 }, 8640)] // SILK config 3 (60 ms), c=3, 3 frames = 180 ms: too long
    public void Toc_gives_the_packet_duration(byte[] packet, int expected)
    {
        var ok = OpusToc.TryGetSamples(packet, out var samples);
        Assert.Equal(expected, samples);
        Assert.Equal(expected <= OpusToc.MaxPacketSamples, ok);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var valid = Concat(
            Page(OggPage.BeginOfStreamFlag, 0, 0, [OpusHead()]),
            Page(0, 0, 1, [OpusTags()]),
            Page(0, 1920, 2, [Packet(Toc20ms, 300, 1), Packet(Toc20ms, 20, 2)]));
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var reader = new OggOpusReader(bytes.AsMemory(0, random.Next(bytes.Length + 1)));
            while (reader.TryReadNext(out _))
            {
            }
        }
    }
}
