namespace CallBot.Worker.Tests.Resilience;

/// <summary>
/// Waits for a condition on counters that raise no event (RTP counts, ICE states): samples every period until it holds
/// or the timeout passes. The wait ends as soon as the condition is met; nothing sleeps a fixed time.
/// </summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<T> sample, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe, TimeSpan? period = null)
    {
        using var timer = new PeriodicTimer(period ?? TimeSpan.FromMilliseconds(100));
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = sample();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"not reached within {timeout.TotalSeconds:0.#} s: {describe(value)}");
            }

            await timer.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }
    }
}
