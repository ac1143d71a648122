namespace CallBot.Load.Scenario;

/// <summary>A call duration (or answer delay) distribution: fixed, uniform [min, max], or normal clamped to [min, max].</summary>
public sealed record DurationDistribution(string Kind, TimeSpan A, TimeSpan B, TimeSpan Min, TimeSpan Max)
{
    public static DurationDistribution Fixed(TimeSpan value) => new("fixed", value, TimeSpan.Zero, value, value);

    public static DurationDistribution Uniform(TimeSpan min, TimeSpan max) => new("uniform", min, max, min, max);

    public static DurationDistribution Normal(TimeSpan mean, TimeSpan stddev, TimeSpan min, TimeSpan max) => new("normal", mean, stddev, min, max);

    public TimeSpan Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (Kind)
        {
            case "fixed":
                return A;
            case "uniform":
                return TimeSpan.FromMilliseconds(Math.Round(A.TotalMilliseconds + (random.NextDouble() * (B - A).TotalMilliseconds)));
            default:
                // Box-Muller; one value per call keeps the stream of random numbers simple to reason about.
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                var z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                var ms = A.TotalMilliseconds + (z * B.TotalMilliseconds);
                ms = Math.Clamp(ms, Min.TotalMilliseconds, Max.TotalMilliseconds);
                return TimeSpan.FromMilliseconds(Math.Round(ms));
        }
    }
}
