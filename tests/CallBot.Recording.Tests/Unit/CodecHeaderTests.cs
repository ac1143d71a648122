using CallBot.Recording.Mkv;

namespace CallBot.Recording.Tests.Unit;

public sealed class CodecHeaderTests
{
    // Annex B access unit: SPS (67 42 00 1E ..), PPS (68 CE 3C 80), IDR slice (65 88 84).
    private static readonly byte[] AccessUnit =
    [
        0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0x00, 0x1E, 0xAB,
        0x00, 0x00, 0x00, 0x01, 0x68, 0xCE, 0x3C, 0x80,
        0x00, 0x00, 0x01, 0x65, 0x88, 0x84,
    ];

    [Fact]
    public void Annex_b_start_codes_become_4_byte_lengths()
    {
        var output = new byte[AnnexB.MaxConvertedLength(AccessUnit.Length)];
        var written = AnnexB.ConvertToLengthPrefixed(AccessUnit, output);
        Assert.Equal(
            new byte[]
            {
                0, 0, 0, 5, 0x67, 0x42, 0x00, 0x1E, 0xAB,
                0, 0, 0, 4, 0x68, 0xCE, 0x3C, 0x80,
                0, 0, 0, 3, 0x65, 0x88, 0x84,
            },
            output[..written]);
    }

    [Fact]
    public void Avc_decoder_configuration_record_is_built_from_sps_and_pps()
    {
        Assert.True(AnnexB.TryBuildAvcConfig(AccessUnit, out var avcC));
        Assert.Equal(
            new byte[] { 1, 0x42, 0x00, 0x1E, 0xFF, 0xE1, 0, 5, 0x67, 0x42, 0x00, 0x1E, 0xAB, 1, 0, 4, 0x68, 0xCE, 0x3C, 0x80 },
            avcC);
    }

    [Fact]
    public void Access_unit_without_sps_gives_no_config()
    {
        Assert.False(AnnexB.TryBuildAvcConfig(AccessUnit.AsSpan(17).ToArray(), out _));
    }

    [Fact]
    public void Vp8_key_frame_size_is_read_from_the_rfc6386_header()
    {
        // frame tag (key frame: bit 0 = 0) | start code 9d 01 2a | width 640 | height 360
        byte[] frame = [0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01, 0x00];
        Assert.True(Vp8KeyFrame.TryReadSize(frame, out var width, out var height));
        Assert.Equal((640, 360), (width, height));
        frame[0] |= 1; // inter frame
        Assert.False(Vp8KeyFrame.TryReadSize(frame, out _, out _));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(1234);
        var output = new byte[4096];
        for (var i = 0; i < 5000; i++)
        {
            var input = new byte[random.Next(0, 64)];
            random.NextBytes(input);
            if (input.Length > 4 && random.Next(2) == 0)
            {
                input[random.Next(input.Length - 3)] = 0;
            }

            _ = AnnexB.TryBuildAvcConfig(input, out _);
            _ = AnnexB.ConvertToLengthPrefixed(input, output.AsSpan(0, AnnexB.MaxConvertedLength(input.Length)));
            _ = Vp8KeyFrame.TryReadSize(input, out _, out _);
        }
    }
}
