using System.Globalization;

namespace CallBot.TestSupport.Fuzz;

/// <summary>
/// How long a CsCheck property runs. In the suite: a fixed number of iterations (seconds of CPU at most). With
/// <c>CALLBOT_FUZZ_SECONDS=N</c> (scripts/fuzz-media.sh) each property runs for N seconds instead, and
/// <c>CALLBOT_FUZZ_SEED</c> replays one failing case.
/// </summary>
public static class FuzzBudget
{
    /// <summary>Iterations for CsCheck's <c>iter</c>: <paramref name="suite"/>, or unlimited when a time budget is set.</summary>
    public static long Iterations(long suite) => Seconds > 0 ? long.MaxValue : suite;

    /// <summary>Seconds for CsCheck's <c>time</c>: -1 (none) unless <c>CALLBOT_FUZZ_SECONDS</c> is set.</summary>
    public static int Seconds =>
        int.TryParse(Environment.GetEnvironmentVariable("CALLBOT_FUZZ_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : -1;

    /// <summary>CsCheck seed to replay, or null.</summary>
    public static string? Seed => Environment.GetEnvironmentVariable("CALLBOT_FUZZ_SEED") is { Length: > 0 } seed ? seed : null;

    /// <summary>Where CsCheck's summary line goes (the test output, so the long run can report iterations).</summary>
    public static Action<string> Report => line => Xunit.TestContext.Current.TestOutputHelper?.WriteLine(line);
}
