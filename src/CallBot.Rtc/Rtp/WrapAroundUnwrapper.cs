namespace CallBot.Rtc.Rtp;

/// <summary>
/// Extends a wrapping counter of <c>bits</c> bits (RTP sequence numbers, timestamps) to a monotonic 64-bit value: a step
/// of less than half the counter's space forward or backward is taken as the nearest value (RFC 3550 §A.1 style).
/// The one implementation behind <see cref="SequenceUnwrapper"/> and <see cref="TimestampUnwrapper"/>.
/// </summary>
/// <remarks>A mutable struct held in a field of its owner; not thread-safe.</remarks>
internal struct WrapAroundUnwrapper
{
    private long _last;
    private bool _started;

    /// <summary>The highest unwrapped value so far (the first value is the raw number itself, cycle 0).</summary>
    public readonly long Last => _last;

    public long Unwrap(uint raw, int bits)
    {
        if (!_started)
        {
            _started = true;
            _last = raw;
            return _last;
        }

        // The difference modulo 2^bits, read as a signed bits-wide number: the nearest step in either direction.
        var shift = 64 - bits;
        var delta = (long)(((ulong)raw - (ulong)_last) << shift) >> shift;
        var value = _last + delta;
        if (value > _last)
        {
            _last = value;
        }

        return value;
    }
}
