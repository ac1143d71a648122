using CallBot.Load.Quality;
using CallBot.TestSupport.Quality;

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
}
