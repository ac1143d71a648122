namespace CallBot.Rtc.Rtp;

/// <summary>
/// Extends 16-bit RTP sequence numbers to a monotonic 64-bit index (RFC 3550 §A.1 style wrap detection):
/// a jump of less than half the space forward or backward is taken as the nearest value.
/// </summary>
/// <remarks>Not thread-safe; one instance per stream.</remarks>
public sealed class SequenceUnwrapper
{
    private WrapAroundUnwrapper _unwrapper;

    /// <summary>The highest unwrapped value so far (the first value is the raw number itself, cycle 0).</summary>
    public long Last => _unwrapper.Last;

    public long Unwrap(ushort sequenceNumber) => _unwrapper.Unwrap(sequenceNumber, 16);
}
