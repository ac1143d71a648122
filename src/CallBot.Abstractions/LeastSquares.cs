namespace CallBot.Abstractions;

/// <summary>
/// Ordinary least squares over (x, y) pairs, allocation-free so a per-packet caller can use it as well as a report:
/// the soak leak analysis (Load) fits resource growth per hour with it, and it is the trend line a delay-based bandwidth
/// estimator fits over its window.
/// </summary>
public static class LeastSquares
{
    /// <summary>
    /// The slope of the line that best fits the first min(<paramref name="x"/>.Length, <paramref name="y"/>.Length)
    /// pairs; null when there are fewer than two pairs or every x is the same (no line to fit).
    /// </summary>
    public static double? Slope(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var n = Math.Min(x.Length, y.Length);
        if (n < 2)
        {
            return null;
        }

        double meanX = 0, meanY = 0;
        for (var i = 0; i < n; i++)
        {
            meanX += x[i];
            meanY += y[i];
        }

        meanX /= n;
        meanY /= n;
        double numerator = 0, denominator = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = x[i] - meanX;
            numerator += dx * (y[i] - meanY);
            denominator += dx * dx;
        }

        return denominator == 0 ? null : numerator / denominator;
    }
}
