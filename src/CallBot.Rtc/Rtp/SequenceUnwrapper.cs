namespace CallBot.Rtc.Rtp;

/// <summary>
/// Extends 16-bit RTP sequence numbers to a monotonic 64-bit index (RFC 3550 §A.1 style wrap detection):
/// a jump of less than half the space forward or backward is taken as the nearest value.
/// </summary>
/// <remarks>Not thread-safe; one instance per stream.</remarks>
public sealed class SequenceUnwrapper
{
    private long _last;
    private bool _started;

    /// <summary>The highest unwrapped value so far (the first value is the raw number itself, cycle 0).</summary>
    public long Last => _last;

    public long Unwrap(ushort sequenceNumber)
    {
        if (!_started)
        {
            _started = true;
            _last = sequenceNumber;
            return _last;
        }

        var delta = (short)(ushort)(sequenceNumber - (ushort)_last);
        var value = _last + delta;
        if (value > _last)
        {
            _last = value;
        }

        return value;
    }
}
