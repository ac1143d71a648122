namespace CallBot.Recording.Tests.Support;

internal static class Gaps
{
    /// <summary>Largest difference between consecutive values.</summary>
    public static double Largest(IReadOnlyList<double> times)
    {
        var largest = 0.0;
        for (var i = 1; i < times.Count; i++)
        {
            largest = Math.Max(largest, times[i] - times[i - 1]);
        }

        return largest;
    }
}
