using CallBot.Load.Quality;

namespace CallBot.Load.Tests.Quality;

public sealed class EModelTests
{
    [Fact]
    public void A_perfect_link_rates_the_standards_default_of_93_2_and_a_mos_over_4_4()
    {
        var r = EModel.Rating(EModelCodec.Pcmu, TimeSpan.Zero, 0);
        Assert.Equal(93.2, r, 1); // G.107 §7.7: all defaults give R = 93.2
        Assert.InRange(EModel.Mos(r), 4.40, 4.42);
    }

    [Theory]
    [InlineData(0, 0.00)]
    [InlineData(50, 0.00)]
    [InlineData(150, 0.00)]
    [InlineData(176.5, 0.05)] // 150 ms one-way + Opus' 26.5 ms, the lossy case
    [InlineData(300, 0.02)]
    [InlineData(500, 0.20)]
    public void Rating_matches_an_independent_transcription_of_the_G107_equations(double mouthToEarMs, double loss)
    {
        var expected = IndependentEModel.Rating(mouthToEarMs, loss * 100, ie: 0, bpl: 25.1);
        var actual = EModel.Rating(EModelCodec.Opus, TimeSpan.FromMilliseconds(mouthToEarMs), loss);
        // The independent side uses the standard's rounded Ro, Is and No: agreement within 0.02 R, 0.001 MOS.
        Assert.InRange(actual - expected, -0.02, 0.02);
        Assert.InRange(EModel.Mos(actual) - IndependentEModel.Mos(expected), -0.001, 0.001);
    }

    [Fact]
    public void Mos_is_clamped_to_one_and_four_and_a_half()
    {
        Assert.Equal(1, EModel.Mos(-5));
        Assert.Equal(4.5, EModel.Mos(120));
        Assert.True(EModel.Mos(70) > EModel.Mos(60));
    }

    /// <summary>
    /// G.107 (06/2015) written again from the standard for the test: Ro and Is are the standard's published values at its
    /// default parameters (Ro = 94.77, Is = 1.41; Is's delay term e^(−T/4) is below 10⁻³ from T = 30 ms); Id and Ie,eff from
    /// §7.4 and §7.5 with T = Ta, Tr = 2·Ta; MOS from Annex B.
    /// </summary>
    private static class IndependentEModel
    {
        public static double Rating(double ta, double ppl, double ie, double bpl)
        {
            const double ro = 94.77, isValue = 1.41, telr = 65, wepl = 110, no = -61.18, rlr = 2;
            var terv = telr - (40 * Math.Log10((1 + (ta / 10)) / (1 + (ta / 150)))) + (6 * Math.Exp(-0.3 * ta * ta));
            var roe = -1.5 * (no - rlr);
            var re = 80 + (2.5 * (terv - 14));
            var idte = (((roe - re) / 2) + Math.Sqrt((((roe - re) * (roe - re)) / 4) + 100) - 1) * (1 - Math.Exp(-ta));
            var rle = 10.5 * (wepl + 7) * Math.Pow((2 * ta) + 1, -0.25);
            var idle = ((ro - rle) / 2) + Math.Sqrt((((ro - rle) * (ro - rle)) / 4) + 169);
            var idd = 0.0;
            if (ta > 100)
            {
                var x = Math.Log2(ta / 100);
                idd = 25 * (Math.Pow(1 + Math.Pow(x, 6), 1 / 6.0) - (3 * Math.Pow(1 + Math.Pow(x / 3, 6), 1 / 6.0)) + 2);
            }

            var ieEff = ie + ((95 - ie) * (ppl / (ppl + bpl)));
            return ro - isValue - (idte + idle + idd) - ieEff;
        }

        public static double Mos(double r) => r < 0 ? 1 : r > 100 ? 4.5 : 1 + (0.035 * r) + (r * (r - 60) * (100 - r) * 0.000007);
    }
}
