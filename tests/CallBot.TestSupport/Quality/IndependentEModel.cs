namespace CallBot.TestSupport.Quality;

/// <summary>
/// G.107 (06/2015) written again from the standard for tests, independent of CallBot.Load's EModel: Ro and Is are the
/// standard's published values at its default parameters (Ro = 94.77, Is = 1.41; Is's delay term e^(−T/4) is below 10⁻³
/// from T = 30 ms); Id and Ie,eff from §7.4 and §7.5 with T = Ta, Tr = 2·Ta; MOS from Annex B.
/// </summary>
public static class IndependentEModel
{
    /// <param name="ta">Mouth-to-ear delay, ms.</param>
    /// <param name="ppl">Random packet loss, percent.</param>
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
