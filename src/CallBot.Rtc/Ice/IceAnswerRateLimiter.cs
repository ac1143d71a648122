namespace CallBot.Rtc.Ice;

/// <summary>
/// The token bucket that bounds answers to requests failing authentication (400/401): they come from anyone, and
/// answering each one would make the agent a reflector. Owned by the agent loop.
/// </summary>
internal sealed class IceAnswerRateLimiter(double answersPerSecond, TimeProvider time)
{
    private double _tokens;
    private long _refilledAt;
    private bool _started;

    /// <summary>True when one more answer may go out now (the bucket starts full).</summary>
    public bool TryTake()
    {
        var now = time.GetTimestamp();
        var elapsed = _started ? time.GetElapsedTime(_refilledAt, now).TotalSeconds : 1.0;
        _started = true;
        _refilledAt = now;
        _tokens = Math.Min(answersPerSecond, _tokens + (elapsed * answersPerSecond));
        if (_tokens < 1)
        {
            return false;
        }

        _tokens--;
        return true;
    }
}
