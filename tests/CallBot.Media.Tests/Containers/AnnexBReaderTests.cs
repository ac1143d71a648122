using CallBot.Media.Containers;

namespace CallBot.Media.Tests.Containers;

public sealed class AnnexBReaderTests
{
    private static readonly byte[] WithDelimiters =
    [
        0x00, 0x00, 0x00, 0x01, 0x09, 0xF0,             // AUD (type 9)                     -- access unit 0
        0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xC0, 0x1F, // SPS (type 7), baseline, level 3.1
        0x00, 0x00, 0x00, 0x01, 0x68, 0xCE, 0x3C, 0x80, // PPS (type 8)
        0x00, 0x00, 0x01, 0x65, 0x88, 0x84, 0x00,       // IDR slice (type 5), first_mb_in_slice = 0 (bit 1)
        0x00, 0x00, 0x00, 0x01, 0x09, 0xF0,             // AUD                               -- access unit 1
        0x00, 0x00, 0x01, 0x41, 0x9A, 0x02,             // non-IDR slice (type 1), first_mb = 0
        0x00, 0x00, 0x00, 0x01, 0x09, 0xF0,             // AUD                               -- access unit 2
        0x00, 0x00, 0x01, 0x41, 0x9A, 0x04,             // non-IDR slice, first_mb = 0
        0x00, 0x00, 0x01, 0x41, 0x4A, 0x04,             // non-IDR slice, first_mb != 0 (bit 0): same picture
    ];

    [Fact]
    public void Splits_on_access_unit_delimiters_and_flags_idr_as_key()
    {
        var reader = new AnnexBReader(WithDelimiters);
        var units = new List<AccessUnit>();
        while (reader.TryReadNext(out var unit))
        {
            units.Add(unit);
        }

        Assert.Equal(ContainerError.None, reader.Error);
        Assert.Equal(3, units.Count);
        Assert.True(units[0].IsKeyFrame);
        Assert.Equal(4, units[0].NalCount);
        Assert.Equal(29, units[0].Data.Length); // 6 + 8 + 8 + 7 bytes
        Assert.False(units[1].IsKeyFrame);
        Assert.Equal(3, units[2].NalCount); // two slices of one picture stay together
        Assert.Equal(WithDelimiters.Length, units[0].Data.Length + units[1].Data.Length + units[2].Data.Length);
    }

    [Fact]
    public void Without_delimiters_a_slice_with_first_mb_zero_starts_a_new_unit()
    {
        byte[] stream =
        [
            0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xC0, 0x1F, // SPS
            0x00, 0x00, 0x00, 0x01, 0x68, 0xCE, 0x3C, 0x80, // PPS
            0x00, 0x00, 0x01, 0x65, 0x88, 0x84,             // IDR, first_mb = 0
            0x00, 0x00, 0x01, 0x65, 0x48, 0x84,             // IDR, first_mb != 0 (second slice of the same picture)
            0x00, 0x00, 0x01, 0x41, 0x9A, 0x02,             // P slice, first_mb = 0: next picture
        ];
        var reader = new AnnexBReader(stream);
        Assert.True(reader.TryReadNext(out var key));
        Assert.True(reader.TryReadNext(out var delta));
        Assert.False(reader.TryReadNext(out _));
        Assert.True(key.IsKeyFrame);
        Assert.Equal(4, key.NalCount);
        Assert.False(delta.IsKeyFrame);
        Assert.Equal(6, delta.Data.Length);
    }

    [Fact]
    public void An_access_unit_above_the_cap_stops_with_frame_too_large()
    {
        var reader = new AnnexBReader(WithDelimiters, maxAccessUnitSize: 16);
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.FrameTooLarge, reader.Error);
    }

    [Fact]
    public void Garbage_without_slices_yields_nothing_and_random_bytes_never_throw()
    {
        Assert.False(new AnnexBReader(new byte[] { 1, 2, 3, 0, 0, 1 }).TryReadNext(out _));
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(64)];
            random.NextBytes(bytes);
            for (var j = 0; j + 3 < bytes.Length; j += random.Next(3, 9))
            {
                bytes[j] = 0;
                bytes[j + 1] = 0;
                bytes[j + 2] = 1;
            }

            var reader = new AnnexBReader(bytes);
            var total = 0;
            while (reader.TryReadNext(out var unit))
            {
                total += unit.Data.Length;
            }

            Assert.True(total <= bytes.Length);
        }
    }
}
