using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Srtp;

public sealed class SrtpIndexTests
{
    [Theory]
    [InlineData(0u, (ushort)100, (ushort)101, 0u)]       // in order
    [InlineData(0u, (ushort)65530, (ushort)3, 1u)]       // wrapped forward: ROC + 1
    [InlineData(1u, (ushort)3, (ushort)65530, 0u)]       // late packet from before the wrap: ROC - 1
    [InlineData(0u, (ushort)3, (ushort)65530, 0u)]       // nothing before ROC 0
    [InlineData(5u, (ushort)40000, (ushort)7232, 5u)]    // s_l - 2^15 = 7232 is not greater than SEQ: same ROC
    [InlineData(5u, (ushort)40000, (ushort)7231, 6u)]    // one less: taken as wrapped
    [InlineData(5u, (ushort)40000, (ushort)39000, 5u)]   // slightly late
    public void Estimate_follows_rfc3711_appendix_a(uint roc, ushort highest, ushort sequence, uint expected) =>
        Assert.Equal(expected, SrtpIndex.EstimateRoc(roc, highest, sequence));

    [Fact]
    public void Update_moves_roc_only_forward()
    {
        uint roc = 1;
        ushort highest = 10;
        SrtpIndex.Update(ref roc, ref highest, 0, 65000);
        Assert.Equal((1u, (ushort)10), (roc, highest));
        SrtpIndex.Update(ref roc, ref highest, 1, 9);
        Assert.Equal((1u, (ushort)10), (roc, highest));
        SrtpIndex.Update(ref roc, ref highest, 1, 11);
        Assert.Equal((1u, (ushort)11), (roc, highest));
        SrtpIndex.Update(ref roc, ref highest, 2, 1);
        Assert.Equal((2u, (ushort)1), (roc, highest));
    }

    [Fact]
    public void Compose_is_roc_times_65536_plus_seq() => Assert.Equal(0x0002_FFFFUL, SrtpIndex.Compose(2, 0xFFFF));
}
