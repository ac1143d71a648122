using CallBot.Abstractions;

namespace CallBot.Recording.Sync;

/// <summary>
/// Maps one stream's RTP timestamps to wall-clock time (Unix microseconds) for the shared recording timeline.
/// </summary>
/// <remarks>
/// <para>Source of the mapping, best first: the latest RTCP sender report (NTP ↔ RTP, RFC 3550 §6.4.1); before any
/// SR, the arrival time of the stream's first frame.</para>
/// <para>No jumps when the mapping changes: the difference between the old and the new mapping at the last mapped
/// timestamp becomes an offset that is slewed to zero by at most <see cref="SlewFraction"/> of the media time that
/// passes, so output timestamps stay continuous and monotonic while the streams converge on SR-exact sync.</para>
/// <para>Sender reports are only as exact as the sender makes them: an SR's RTP timestamp is usually extrapolated from the
/// last packet sent, and a packet sent late (a paced keyframe, a busy sender thread) makes that SR map every timestamp
/// later than it was captured — never earlier. So the mapping used is, of the last <see cref="ReportWindow"/> SRs, the one
/// that maps the current timestamp earliest: a late SR is ignored instead of moving the stream by its lateness.</para>
/// <para>Sender timestamp jumps (encoder restart, SSRC change after ICE restart) are caught by comparing arrival
/// time with mapped time: a change in that skew beyond <see cref="JumpThresholdUs"/> re-anchors the stream on its
/// arrival time (keeping the skew it had), and the stale SR is forgotten until a new one arrives.</para>
/// Not thread-safe: the owning recorder serializes calls.
/// </remarks>
internal sealed class StreamClock(int clockRate, long jumpThresholdUs = StreamClock.DefaultJumpThresholdUs, double slewFraction = StreamClock.DefaultSlewFraction, bool slew = true)
{
    public const long DefaultJumpThresholdUs = 1_000_000;
    public const double DefaultSlewFraction = 0.1;
    private const long MicrosPerSecond = 1_000_000;
    private const double SkewSmoothing = 0.05;

    /// <summary>Before any SR, a frame arriving this much earlier than the arrival-based mapping moves the anchor earlier.</summary>
    private const long EarlyArrivalToleranceUs = 1_000;

    /// <summary>Recent sender reports considered together (at 1 SR/s, 8 s: far shorter than any clock drift matters).</summary>
    public const int ReportWindow = 8;

    private readonly long[] _reportNtpUs = new long[ReportWindow];
    private readonly long[] _reportTs = new long[ReportWindow];
    private int _reportCount;
    private int _reportNext;

    private bool _hasReference;
    private long _refWallUs;
    private long _refTs;

    private bool _hasPendingReport;
    private long _pendingNtpUs;
    private uint _pendingRtp;

    private bool _hasLast;
    private long _lastTs;
    private long _offsetUs;
    private bool _hasSkew;
    private double _skewUs;

    public long JumpThresholdUs => jumpThresholdUs;

    public double SlewFraction => slewFraction;

    /// <summary>True once a sender report drives the mapping.</summary>
    public bool Synchronized { get; private set; }

    public int SenderReports { get; private set; }

    public int TimestampJumps { get; private set; }

    /// <summary>The last correction (µs) a new mapping introduced; slewed away over time.</summary>
    public long LastCorrectionUs { get; private set; }

    public long PendingOffsetUs => _offsetUs;

    /// <summary>
    /// The offset the slew converges to (0 = SR-exact). The recorder keeps video unslewed (regular frame intervals)
    /// and points audio's target at video's offset, so the A/V relation is SR-exact while neither stream jumps.
    /// </summary>
    public long TargetOffsetUs { get; set; }

    /// <summary>Where <paramref name="timestamp"/> maps now (mapping and offset), with none of <see cref="ToWallMicroseconds"/>'s updates.</summary>
    public long Peek(long timestamp) => Map(timestamp) + _offsetUs;

    /// <summary>Nothing of this stream has been written yet: there is no continuity to keep, so the offset takes its target at once.</summary>
    public void JumpToTarget() => _offsetUs = TargetOffsetUs;

    /// <summary>Records an SR mapping; it takes effect on the next <see cref="ToWallMicroseconds"/>.</summary>
    public void OnSenderReport(ulong ntpTimestamp, uint rtpTimestamp)
    {
        _hasPendingReport = true;
        _pendingNtpUs = NtpTime.ToUnixMicroseconds(ntpTimestamp);
        _pendingRtp = rtpTimestamp;
        SenderReports++;
    }

    /// <summary>The sender's timeline changed (new SSRC, ICE restart): the next frame re-anchors on its arrival.</summary>
    public void Restart()
    {
        _hasReference = false;
        _hasPendingReport = false;
        _reportCount = 0;
        Synchronized = false;
    }

    public long ToWallMicroseconds(long timestamp, long arrivalUs)
    {
        if (_hasPendingReport)
        {
            ApplyReport(timestamp);
        }

        if (!_hasReference)
        {
            Anchor(timestamp, arrivalUs);
        }

        var mapped = Map(timestamp);
        var skew = arrivalUs - mapped;
        if (_hasSkew && Math.Abs(skew - _skewUs) > jumpThresholdUs)
        {
            // The sender's timestamps jumped: keep the arrival relationship we had, drop the stale SR.
            TimestampJumps++;
            Synchronized = false;
            _reportCount = 0;
            _refWallUs = arrivalUs - (long)_skewUs;
            _refTs = timestamp;
            mapped = _refWallUs;
        }
        else
        {
            if (!Synchronized && skew < -EarlyArrivalToleranceUs)
            {
                // Before any SR the mapping comes from arrivals, and a frame arrives late but never early: one arriving
                // before the mapping says it was captured means the anchor frame was late (released in a burst once
                // SRTP came up, a paced keyframe). Anchor earlier; the change becomes an offset, like an SR correction.
                _refWallUs += skew;
                mapped += skew;
                LastCorrectionUs = skew;
                _offsetUs -= skew;
                _skewUs -= skew;
                skew = 0;
            }

            _skewUs = _hasSkew ? _skewUs + (skew - _skewUs) * SkewSmoothing : skew;
            _hasSkew = true;
        }

        if (slew && _hasLast && _offsetUs != TargetOffsetUs)
        {
            var elapsedUs = Math.Abs(timestamp - _lastTs) * MicrosPerSecond / clockRate;
            var step = Math.Max(1, (long)(elapsedUs * slewFraction));
            _offsetUs = _offsetUs > TargetOffsetUs ? Math.Max(TargetOffsetUs, _offsetUs - step) : Math.Min(TargetOffsetUs, _offsetUs + step);
        }

        _hasLast = true;
        _lastTs = timestamp;
        return mapped + _offsetUs;
    }

    private void Anchor(long timestamp, long arrivalUs)
    {
        // First frame, or first after a restart: keep the arrival skew the stream had so the timeline does not jump.
        _refWallUs = _hasSkew ? arrivalUs - (long)_skewUs : arrivalUs;
        _refTs = timestamp;
        _hasReference = true;
        if (_hasLast)
        {
            _lastTs = timestamp;
        }
    }

    private void ApplyReport(long timestamp)
    {
        _hasPendingReport = false;
        // The SR carries a 32-bit RTP timestamp: place it next to the (unwrapped) timestamp at hand.
        var srTs = timestamp + (int)(_pendingRtp - (uint)timestamp);
        _reportNtpUs[_reportNext] = _pendingNtpUs;
        _reportTs[_reportNext] = srTs;
        _reportNext = (_reportNext + 1) % ReportWindow;
        _reportCount = Math.Min(_reportCount + 1, ReportWindow);
        var (ntpUs, ts) = EarliestReport(timestamp);
        if (_hasReference && _hasLast)
        {
            var before = Map(_lastTs);
            _refWallUs = ntpUs;
            _refTs = ts;
            var after = Map(_lastTs);
            LastCorrectionUs = after - before;
            _offsetUs -= LastCorrectionUs;
            _skewUs -= LastCorrectionUs;
        }
        else
        {
            _refWallUs = ntpUs;
            _refTs = ts;
            _hasReference = true;
            _hasSkew = false;
        }

        Synchronized = true;
    }

    /// <summary>Of the recent SRs, the one that maps <paramref name="timestamp"/> to the earliest wall time.</summary>
    private (long NtpUs, long Ts) EarliestReport(long timestamp)
    {
        var best = -1;
        long bestWall = 0;
        for (var i = 0; i < _reportCount; i++)
        {
            var wall = _reportNtpUs[i] + (timestamp - _reportTs[i]) * MicrosPerSecond / clockRate;
            if (best < 0 || wall < bestWall)
            {
                best = i;
                bestWall = wall;
            }
        }

        return (_reportNtpUs[best], _reportTs[best]);
    }

    private long Map(long timestamp) => _refWallUs + (timestamp - _refTs) * MicrosPerSecond / clockRate;
}
