using CallBot.Abstractions;
using CallBot.Recording.Mkv;

namespace CallBot.Recording.Tests.Unit;

public sealed class EbmlAndMatroskaTests
{
    [Fact]
    public void Unsigned_integer_element_is_id_size_vint_then_big_endian_value()
    {
        var w = new EbmlWriter();
        w.WriteUInt(MatroskaIds.EbmlVersion, 1);       // 42 86 | 81 | 01
        w.WriteUInt(MatroskaIds.TimestampScale, 1_000_000); // 2A D7 B1 | 83 | 0F 42 40
        Assert.Equal(new byte[] { 0x42, 0x86, 0x81, 0x01, 0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40 }, w.Written.ToArray());
    }

    [Theory]
    [InlineData(0L, new byte[] { 0x80 })]
    [InlineData(126L, new byte[] { 0xFE })]
    [InlineData(127L, new byte[] { 0x40, 0x7F })] // 0xFF would mean "unknown" (RFC 8794 §6.2)
    [InlineData(16_382L, new byte[] { 0x7F, 0xFE })]
    [InlineData(16_383L, new byte[] { 0x20, 0x3F, 0xFF })]
    public void Sizes_use_the_shortest_vint_that_is_not_all_ones(long size, byte[] expected)
    {
        var w = new EbmlWriter();
        w.WriteSize(size);
        Assert.Equal(expected, w.Written.ToArray());
    }

    [Fact]
    public void Master_size_is_patched_as_an_8_byte_vint_and_the_live_segment_has_unknown_size()
    {
        var w = new EbmlWriter();
        w.BeginUnknownSizeMaster(MatroskaIds.Segment);
        w.BeginMaster(MatroskaIds.Cluster);
        w.WriteUInt(MatroskaIds.ClusterTimestamp, 5);
        w.EndMaster();
        Assert.Equal(
            new byte[]
            {
                0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // Segment, unknown size
                0x1F, 0x43, 0xB6, 0x75, 0x01, 0, 0, 0, 0, 0, 0, 0x03,                   // Cluster, size 3
                0xE7, 0x81, 0x05,                                                       // Timestamp 5
            },
            w.Written.ToArray());
    }

    [Fact]
    public void Simple_block_carries_track_relative_time_and_keyframe_flag()
    {
        var w = new EbmlWriter();
        MatroskaLiveWriter.WriteSimpleBlock(w, 1, -2, true, [0xAA, 0xBB]);
        // A3 | size 6 | track 1 (81) | int16 -2 (FF FE) | flags 80 | data
        Assert.Equal(new byte[] { 0xA3, 0x86, 0x81, 0xFF, 0xFE, 0x80, 0xAA, 0xBB }, w.Written.ToArray());
    }

    [Fact]
    public void Header_declares_webm_doctype_and_both_tracks()
    {
        var w = new EbmlWriter();
        MatroskaLiveWriter.WriteHeader(w, [new MkvTrack(1, CodecId.Vp8, [], 640, 360), new MkvTrack(2, CodecId.Opus, OpusHead.Build(2))], webm: true);
        var bytes = w.Written.ToArray();
        Assert.Equal(new byte[] { 0x1A, 0x45, 0xDF, 0xA3 }, bytes[..4]);
        Assert.True(Contains(bytes, "webm"u8));
        Assert.True(Contains(bytes, "V_VP8"u8));
        Assert.True(Contains(bytes, "A_OPUS"u8));
        Assert.True(Contains(bytes, "OpusHead"u8));
        Assert.True(Contains(bytes, [0xB0, 0x82, 0x02, 0x80])); // PixelWidth 640
    }

    [Fact]
    public void OpusHead_matches_rfc7845_layout()
    {
        Assert.Equal(
            new byte[] { (byte)'O', (byte)'p', (byte)'u', (byte)'s', (byte)'H', (byte)'e', (byte)'a', (byte)'d', 1, 2, 0, 0, 0x80, 0xBB, 0, 0, 0, 0, 0 },
            OpusHead.Build(2));
    }

    private static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
