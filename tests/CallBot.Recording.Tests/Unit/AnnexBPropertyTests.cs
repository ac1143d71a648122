using System.Buffers.Binary;
using CallBot.Abstractions;
using CallBot.Recording.Mkv;
using CallBot.TestSupport.Fuzz;
using CsCheck;

namespace CallBot.Recording.Tests.Unit;

/// <summary>
/// Issue 16 fuzz coverage: the AnnexB → AVC converter and the avcC builder read the caller's H.264 bitstream. Properties
/// over generated access units (NAL units of any type and size, 3- or 4-byte start codes, stray zeros) and over raw
/// bytes: nothing throws, the converted form holds exactly the NAL units the reader sees, and every avcC built parses back
/// to the first SPS and PPS of the input.
/// </summary>
public sealed class AnnexBPropertyTests
{
    /// <summary>One NAL unit: a header byte (any forbidden bit / NRI / type) and a body free of start codes.</summary>
    private static readonly Gen<byte[]> GenNal =
        Gen.Select(Gen.Int[0, 31], Gen.Int[0, 3], Gen.Byte[1, 255].Array[0, 300]).Select((type, nri, body) =>
            (byte[])[(byte)((nri << 5) | type), .. body]);

    /// <summary>An access unit: NAL units with 3- or 4-byte start codes, sometimes trailing zeros.</summary>
    private static readonly Gen<byte[]> GenAccessUnit =
        Gen.Select(GenNal, Gen.Bool, Gen.Int[0, 2]).Array[0, 8].Select(units =>
        {
            var stream = new List<byte>();
            foreach (var (nal, longCode, trailingZeros) in units)
            {
                stream.AddRange(longCode ? [0, 0, 0, 1] : [0, 0, 1]);
                stream.AddRange(nal);
                stream.AddRange(new byte[trailingZeros]);
            }

            return stream.ToArray();
        });

    [Fact]
    public void Conversion_keeps_exactly_the_nal_units_and_fits_the_bound() =>
        Gen.OneOf(GenAccessUnit, Gen.Byte.Array[0, 400]).Sample(input =>
        {
            var output = new byte[AnnexB.MaxConvertedLength(input.Length)];
            var written = AnnexB.ConvertToLengthPrefixed(input, output);
            Assert.InRange(written, 0, output.Length);

            var expected = new List<byte[]>();
            var reader = new AnnexBNalReader(input);
            while (reader.MoveNext())
            {
                expected.Add(reader.Current.ToArray());
            }

            var at = 0;
            foreach (var nal in expected)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(output.AsSpan(at));
                Assert.Equal(nal, output.AsSpan(at + 4, length).ToArray());
                at += 4 + length;
            }

            Assert.Equal(written, at);
        }, iter: FuzzBudget.Iterations(5_000), time: FuzzBudget.Seconds, threads: 1, seed: FuzzBudget.Seed, writeLine: FuzzBudget.Report);

    [Fact]
    public void Every_avcc_built_parses_back_to_the_first_sps_and_pps() =>
        Gen.OneOf(GenAccessUnit, Gen.Byte.Array[0, 400]).Sample(input =>
        {
            if (!AnnexB.TryBuildAvcConfig(input, out var avcC))
            {
                return;
            }

            byte[]? sps = null;
            byte[]? pps = null;
            var reader = new AnnexBNalReader(input);
            while (reader.MoveNext())
            {
                var type = reader.Current[0] & 0x1F;
                sps ??= type == 7 ? reader.Current.ToArray() : null;
                pps ??= type == 8 ? reader.Current.ToArray() : null;
            }

            Assert.NotNull(sps);
            Assert.NotNull(pps);
            // | 1 | profile | compat | level | 0xFF | 0xE1 | len16 | SPS | 1 | len16 | PPS |   (ISO 14496-15 §5.3.3.1)
            Assert.Equal(1, avcC[0]);
            Assert.Equal(sps.AsSpan(1, 3).ToArray(), avcC.AsSpan(1, 3).ToArray());
            Assert.Equal([0xFF, 0xE1], avcC.AsSpan(4, 2).ToArray());
            var spsLength = BinaryPrimitives.ReadUInt16BigEndian(avcC.AsSpan(6));
            Assert.Equal(sps, avcC.AsSpan(8, spsLength).ToArray());
            var p = 8 + spsLength;
            Assert.Equal(1, avcC[p]);
            var ppsLength = BinaryPrimitives.ReadUInt16BigEndian(avcC.AsSpan(p + 1));
            Assert.Equal(pps, avcC.AsSpan(p + 3, ppsLength).ToArray());
            Assert.Equal(avcC.Length, p + 3 + ppsLength);
        }, iter: FuzzBudget.Iterations(5_000), time: FuzzBudget.Seconds, threads: 1, seed: FuzzBudget.Seed, writeLine: FuzzBudget.Report);

    [Theory]
    [InlineData(70_000, 4)]
    [InlineData(16, 65_536)]
    public void A_parameter_set_too_long_for_avcc_is_refused_not_wrapped(int spsLength, int ppsLength)
    {
        // avcC has 16 bits for each length: 70,000 would be written as 4,464 and the recording's CodecPrivate would lie.
        var sps = new byte[spsLength];
        Array.Fill(sps, (byte)0x42);
        sps[0] = 0x67;
        var pps = new byte[ppsLength];
        Array.Fill(pps, (byte)0x42);
        pps[0] = 0x68;
        byte[] accessUnit = [0, 0, 0, 1, .. sps, 0, 0, 0, 1, .. pps];

        Assert.False(AnnexB.TryBuildAvcConfig(accessUnit, out var avcC));
        Assert.Empty(avcC);
    }
}
