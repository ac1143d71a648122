namespace CallBot.Load.Quality;

/// <summary>A codec's equipment impairment (ITU-T G.113 Appendix I): <see cref="Ie"/> at no loss and the packet-loss robustness <see cref="Bpl"/>.</summary>
/// <param name="Name">Codec name as reported.</param>
/// <param name="Ie">Equipment impairment factor without loss.</param>
/// <param name="Bpl">Packet-loss robustness factor (higher: the codec's concealment hides more loss).</param>
/// <param name="Delay">Algorithmic delay the codec adds to mouth-to-ear: frame + look-ahead.</param>
public sealed record EModelCodec(string Name, double Ie, double Bpl, TimeSpan Delay)
{
    /// <summary>G.711 with packet-loss concealment: G.113 Appendix I, Ie = 0, Bpl = 25.1; 20 ms frames.</summary>
    public static readonly EModelCodec Pcmu = new("PCMU", 0, 25.1, TimeSpan.FromMilliseconds(20));

    /// <summary>
    /// Opus (20 ms frames, 6.5 ms look-ahead). G.113 has no Opus row; wideband Opus at call rates scores at least as well
    /// as G.711 without loss, so Ie = 0, and its in-band concealment is taken as G.711 with PLC (Bpl = 25.1), which keeps
    /// the score conservative. Documented in docs/load/README.md.
    /// </summary>
    public static readonly EModelCodec Opus = new("opus", 0, 25.1, TimeSpan.FromMilliseconds(26.5));
}

/// <summary>
/// The E-model of ITU-T G.107 (06/2015) for one audio stream: R = Ro − Is − Id − Ie,eff + A, then R → MOS-CQE. All
/// terminal and room parameters are the standard's defaults (Table 1, which give R = 93.2 on a perfect link); what varies
/// per stream is the one-way mouth-to-ear delay (network + jitter buffer + codec) and random packet loss.
/// </summary>
public static class EModel
{
    // G.107 Table 1 defaults.
    private const double Slr = 8, Rlr = 2, Telr = 65, Wepl = 110, Qdu = 1, A = 0;
    private const double Nc = -70, Ps = 35, Pr = 35, Ds = 3, Lst = 18, Nfor = -64;
    private const double Stmr = 15;

    /// <summary>The transmission rating R for a mouth-to-ear delay and a random packet-loss share (0..1).</summary>
    public static double Rating(EModelCodec codec, TimeSpan mouthToEar, double lossFraction)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var ro = BasicSignalToNoise();
        var ta = Math.Max(0, mouthToEar.TotalMilliseconds);
        var id = DelayImpairment(ro, ta);
        var ppl = Math.Clamp(lossFraction, 0, 1) * 100;
        var ieEff = codec.Ie + ((95 - codec.Ie) * ppl / (ppl + codec.Bpl)); // random loss: BurstR = 1
        return ro - SimultaneousImpairment(ro, ta) - id - ieEff + A;
    }

    /// <summary>G.107 Annex B: R → MOS (conversational quality estimated), 1 .. 4.5.</summary>
    public static double Mos(double r) => r <= 0 ? 1 : r >= 100 ? 4.5 : 1 + (0.035 * r) + (r * (r - 60) * (100 - r) * 7e-6);

    private static double DbSum(params double[] levels) => 10 * Math.Log10(levels.Sum(l => Math.Pow(10, l / 10)));

    private static double NoiseFloor()
    {
        // §7.2: No = 10·log(10^(Nc/10) + 10^(Nos/10) + 10^(Nor/10) + 10^(Nfo/10)).
        var olr = Slr + Rlr;
        var nos = Ps - Slr - Ds - 100 + (0.004 * Math.Pow(Ps - olr - Ds - 14, 2));
        var pre = Pr + 10 * Math.Log10(1 + Math.Pow(10, (10 - Lst) / 10));
        var nor = Rlr - 121 + pre + (0.008 * Math.Pow(pre - 35, 2));
        var nfo = Nfor + Rlr;
        return DbSum(Nc, nos, nor, nfo);
    }

    private static double BasicSignalToNoise() => 15 - (1.5 * (Slr + NoiseFloor()));

    private static double SimultaneousImpairment(double ro, double t)
    {
        // §7.3: Is = Iolr + Ist + Iq.
        var olr = Slr + Rlr;
        var xolr = olr + 0.2 * (64 + NoiseFloor() - Rlr);
        var iolr = 20 * (Math.Pow(1 + Math.Pow(xolr / 8, 8), 1.0 / 8) - (xolr / 8));
        var stmro = -10 * Math.Log10(Math.Pow(10, -Stmr / 10) + (Math.Exp(-t / 4) * Math.Pow(10, -Telr / 10)));
        var ist = (12 * Math.Pow(1 + Math.Pow((stmro - 13) / 6, 8), 1.0 / 8))
            - (28 * Math.Pow(1 + Math.Pow((stmro + 1) / 19.4, 35), 1.0 / 35))
            - (13 * Math.Pow(1 + Math.Pow((stmro - 3) / 33, 13), 1.0 / 13)) + 29;
        var q = 37 - 15 * Math.Log10(Qdu);
        var g = 1.07 + 0.258 * q + 0.0602 * q * q;
        var z = 46.0 / 30 - g / 40;
        var y = (ro - 100) / 15 + 46.0 / 8.4 - g / 9;
        var iq = 15 * Math.Log10(1 + Math.Pow(10, y) + Math.Pow(10, z));
        return iolr + ist + iq;
    }

    private static double DelayImpairment(double ro, double ta)
    {
        // §7.4 with T = Ta (echo path as long as the mouth-to-ear path) and Tr = 2·Ta.
        var t = ta;
        var terv = Telr - 40 * Math.Log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.Exp(-0.3 * t * t);
        var roe = -1.5 * (NoiseFloor() - Rlr);
        var re = 80 + 2.5 * (terv - 14);
        var idte = ((roe - re) / 2 + Math.Sqrt(Math.Pow(roe - re, 2) / 4 + 100) - 1) * (1 - Math.Exp(-t));
        var rle = 10.5 * (Wepl + 7) * Math.Pow((2 * t) + 1, -0.25);
        var idle = (ro - rle) / 2 + Math.Sqrt(Math.Pow(ro - rle, 2) / 4 + 169);
        double idd = 0;
        if (ta > 100)
        {
            var x = Math.Log10(ta / 100) / Math.Log10(2);
            idd = 25 * (Math.Pow(1 + Math.Pow(x, 6), 1.0 / 6) - 3 * Math.Pow(1 + Math.Pow(x / 3, 6), 1.0 / 6) + 2);
        }

        return idte + idle + idd;
    }
}
