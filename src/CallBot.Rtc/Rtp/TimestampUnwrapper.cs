namespace CallBot.Rtc.Rtp;

/// <summary>Extends 32-bit RTP timestamps to a monotonic 64-bit value; a step of less than 2^31 in either direction is taken as the nearest value.</summary>
/// <remarks>Not thread-safe; one instance per stream.</remarks>
public sealed class TimestampUnwrapper
{
    private WrapAroundUnwrapper _unwrapper;

    public long Last => _unwrapper.Last;

    public long Unwrap(uint timestamp) => _unwrapper.Unwrap(timestamp, 32);
}
