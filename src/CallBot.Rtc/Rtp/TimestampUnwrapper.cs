namespace CallBot.Rtc.Rtp;

/// <summary>Extends 32-bit RTP timestamps to a monotonic 64-bit value; a step of less than 2^31 in either direction is taken as the nearest value.</summary>
/// <remarks>Not thread-safe; one instance per stream.</remarks>
public sealed class TimestampUnwrapper
{
    private long _last;
    private bool _started;

    public long Last => _last;

    public long Unwrap(uint timestamp)
    {
        if (!_started)
        {
            _started = true;
            _last = timestamp;
            return _last;
        }

        var delta = (int)(timestamp - (uint)_last);
        var value = _last + delta;
        if (value > _last)
        {
            _last = value;
        }

        return value;
    }
}
