namespace CallBot.Rtc.Bwe;

/// <summary>Tuning of <see cref="ReceiveBandwidthEstimator"/> (defaults follow the loss-based half of GCC, RFC draft-ietf-rmcat-gcc-02 §6).</summary>
public sealed class ReceiveBandwidthEstimatorOptions
{
    /// <summary>
    /// Estimate before any loss was seen. Default: no constraint (<see cref="MaxBitsPerSecond"/>): an arrival-rate estimate
    /// has no delay signal, so without loss it must not hold a sender back (the peer's own estimator ramps up).
    /// </summary>
    public long? InitialBitsPerSecond { get; init; }

    /// <summary>Never estimate below this.</summary>
    public long MinBitsPerSecond { get; init; } = 30_000;

    /// <summary>Upper bound without a cap (the bound REMB's 18-bit mantissa and exponent write exactly enough).</summary>
    public long MaxBitsPerSecond { get; init; } = 20_000_000;

    /// <summary>Above this fraction lost in an interval the estimate drops to incoming × (1 − loss/2).</summary>
    public double DecreaseLossFraction { get; init; } = 0.10;

    /// <summary>Below this fraction lost the estimate may grow.</summary>
    public double IncreaseLossFraction { get; init; } = 0.02;

    /// <summary>Multiplicative growth per second while loss is low.</summary>
    public double GrowthPerSecond { get; init; } = 1.08;

}
