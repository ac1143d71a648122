namespace CallBot.TestSupport;

/// <summary>
/// The one way tests wait for a state that raises no event (a counter, a queue length): re-check every few
/// milliseconds, fail with the caller's message once <c>timeout</c> has passed. Not a sleep that hopes work is done:
/// it returns as soon as the condition holds, and a condition that never holds fails the test.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(5);

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() >= deadline)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0.#} s");
            }

            await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Samples <paramref name="sample"/> every <paramref name="period"/> (default 100 ms) until <paramref name="done"/>
    /// holds and returns that sample; after <paramref name="timeout"/> fails with <paramref name="describe"/> of the last one.
    /// </summary>
    public static Task<T> UntilAsync<T>(Func<T> sample, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe, TimeSpan? period = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return UntilAsync(_ => Task.FromResult(sample()), done, timeout, describe, period, cancellationToken);
    }

    /// <summary>
    /// As <see cref="UntilAsync{T}(Func{T}, Func{T, bool}, TimeSpan, Func{T, string}, TimeSpan?, CancellationToken)"/> for a
    /// sample that must be awaited (a browser's getStats, an HTTP probe).
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> sample, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe, TimeSpan? period = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(describe);
        using var timer = new PeriodicTimer(period ?? TimeSpan.FromMilliseconds(100));
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            var value = await sample(cancellationToken).ConfigureAwait(false);
            if (done(value))
            {
                return value;
            }

            if (TimeProvider.System.GetTimestamp() >= deadline)
            {
                throw new TimeoutException($"not reached within {timeout.TotalSeconds:0.#} s: {describe(value)}");
            }

            await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
