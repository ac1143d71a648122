namespace CallBot.Rtc.Interceptors;

/// <summary>
/// When the next RTCP report (SR/RR + SDES) is due: the first at once (an early SR lets the receiver map RTP time to NTP),
/// then every <c>interval × U[0.5, 1.5] / (e − 3/2)</c> as RFC 3550 §6.3.1 randomizes it, so that peers started together
/// do not report in lockstep. Timer thread only.
/// </summary>
public sealed class ReportScheduler
{
    // RFC 3550 §6.3.1: dividing by e − 3/2 compensates for the timer reconsideration algorithm converging below the mean.
    private const double ReconsiderationCompensation = 1.21828;
    private const double MinFactor = 0.5;

    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Random _random;
    private long _next = long.MinValue;

    public ReportScheduler(TimeProvider time, TimeSpan interval, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time;
        _interval = interval;
        _random = random ?? Random.Shared;
    }

    public long ReportsDue { get; private set; }

    /// <summary>The delay chosen after the last report.</summary>
    public TimeSpan LastDelay { get; private set; }

    /// <summary>True when a report is due now; then schedules the next one.</summary>
    public bool IsDue()
    {
        var now = _time.GetTimestamp();
        if (_next != long.MinValue && now < _next)
        {
            return false;
        }

        LastDelay = NextDelay();
        _next = now + (long)(LastDelay.TotalSeconds * _time.TimestampFrequency);
        ReportsDue++;
        return true;
    }

    private TimeSpan NextDelay() => _interval * ((MinFactor + _random.NextDouble()) / ReconsiderationCompensation);
}
