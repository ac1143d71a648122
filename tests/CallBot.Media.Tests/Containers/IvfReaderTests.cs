using CallBot.Media.Containers;

namespace CallBot.Media.Tests.Containers;

public sealed class IvfReaderTests
{
    private static readonly byte[] Header =
    [
        0x44, 0x4B, 0x49, 0x46, // "DKIF"
        0x00, 0x00,             // version 0
        0x20, 0x00,             // header length 32
        0x56, 0x50, 0x38, 0x30, // "VP80"
        0x40, 0x01,             // width 320
        0xB4, 0x00,             // height 180
        0x1E, 0x00, 0x00, 0x00, // time base denominator 30
        0x01, 0x00, 0x00, 0x00, // time base numerator 1
        0x02, 0x00, 0x00, 0x00, // frame count 2 (not trusted)
        0x00, 0x00, 0x00, 0x00, // unused
    ];

    private static readonly byte[] TwoFrames =
    [
        .. Header,
        0x03, 0x00, 0x00, 0x00,                         // frame size 3
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // pts 0
        0x10, 0x02, 0x00,                               // frame tag: bit 0 = 0 -> key frame
        0x02, 0x00, 0x00, 0x00,                         // frame size 2
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // pts 1
        0x31, 0x01,                                     // frame tag: bit 0 = 1 -> inter frame
    ];

    [Fact]
    public void Reads_header_and_frames_as_slices_with_key_flags_and_pts()
    {
        Assert.True(IvfReader.TryCreate(TwoFrames, out var reader, out var error));
        Assert.Equal(ContainerError.None, error);
        Assert.Equal(320, reader!.Width);
        Assert.Equal(180, reader.Height);

        Assert.True(reader.TryReadNext(out var first));
        Assert.True(first.IsKeyFrame);
        Assert.Equal(0, first.Pts);
        Assert.Equal(new byte[] { 0x10, 0x02, 0x00 }, first.Data.ToArray());

        Assert.True(reader.TryReadNext(out var second));
        Assert.False(second.IsKeyFrame);
        Assert.Equal(3000, reader.ToClock(second.Pts, 90_000)); // 1/30 s at 90 kHz

        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.None, reader.Error);
    }

    [Theory]
    [InlineData(10, ContainerError.Truncated)]
    public void Short_header_is_truncated(int length, ContainerError expected)
    {
        Assert.False(IvfReader.TryCreate(TwoFrames.AsMemory(0, length), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Wrong_signature_and_vp9_are_rejected()
    {
        var bad = (byte[])TwoFrames.Clone();
        bad[0] = (byte)'X';
        Assert.False(IvfReader.TryCreate(bad, out _, out var error));
        Assert.Equal(ContainerError.BadSignature, error);

        var vp9 = (byte[])TwoFrames.Clone();
        vp9[11] = (byte)'9'; // "VP89" is not VP8
        Assert.False(IvfReader.TryCreate(vp9, out _, out error));
        Assert.Equal(ContainerError.UnsupportedCodec, error);
    }

    [Fact]
    public void A_frame_size_beyond_the_input_or_the_cap_stops_with_a_reason()
    {
        var truncated = TwoFrames.AsMemory(0, TwoFrames.Length - 1);
        Assert.True(IvfReader.TryCreate(truncated, out var reader, out _));
        Assert.True(reader!.TryReadNext(out _));
        Assert.False(reader.TryReadNext(out _));
        Assert.Equal(ContainerError.Truncated, reader.Error);

        var huge = (byte[])TwoFrames.Clone();
        huge[32 + 3] = 0x7F; // first frame claims ~2 GiB
        Assert.True(IvfReader.TryCreate(huge, out reader, out _));
        Assert.False(reader!.TryReadNext(out _));
        Assert.Equal(ContainerError.FrameTooLarge, reader.Error);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = (byte[])TwoFrames.Clone();
            for (var j = 0; j < 4; j++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var length = random.Next(bytes.Length + 1);
            if (IvfReader.TryCreate(bytes.AsMemory(0, length), out var reader, out _))
            {
                var frames = 0;
                while (reader!.TryReadNext(out _) && frames++ < 10)
                {
                }
            }
        }
    }
}
