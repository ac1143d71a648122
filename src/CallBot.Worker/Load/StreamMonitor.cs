using System.Collections.Concurrent;

namespace CallBot.Worker.Load;

/// <summary>
/// Every peer connection of a load run, keyed by session: one <see cref="ITimer"/> for the whole process samples each
/// live connection's received-frame counters every <see cref="SampleInterval"/> (freeze detection), so no call has a
/// thread or timer of its own.
/// </summary>
internal sealed class StreamMonitor : IDisposable
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentDictionary<string, ConcurrentBag<ConnectionProbe>> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private int _sampling;

    public StreamMonitor(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(_ => Tick(), null, SampleInterval, SampleInterval);
    }

    public int Sessions => _sessions.Count;

    public void Add(ConnectionProbe probe) => _sessions.GetOrAdd(probe.SessionId, _ => []).Add(probe);

    /// <summary>The connections of a session (both sides, every remote user) seen so far.</summary>
    public IReadOnlyList<ConnectionProbe> Of(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var bag) ? [.. bag] : [];

    public void Forget(string sessionId) => _sessions.TryRemove(sessionId, out _);

    private void Tick()
    {
        // A tick that overruns the next one (a starved machine) is skipped rather than stacked.
        if (Interlocked.Exchange(ref _sampling, 1) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            foreach (var session in _sessions.Values)
            {
                foreach (var probe in session)
                {
                    probe.Sample(now, _time);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
