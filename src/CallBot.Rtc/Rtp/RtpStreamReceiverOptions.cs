namespace CallBot.Rtc.Rtp;

/// <summary>Settings of one incoming RTP stream.</summary>
public sealed class RtpStreamReceiverOptions
{
    /// <summary>RTP clock rate (90000 video, 48000 Opus).</summary>
    public int ClockRate { get; set; } = 90_000;

    /// <summary>Packets the jitter buffer holds beyond the next expected one (a power of two). 512 covers a 1080p keyframe.</summary>
    public int ReorderCapacity { get; set; } = 512;

    /// <summary>Largest payload kept per slot; bigger packets are dropped.</summary>
    public int MaxPayloadSize { get; set; } = 1500;

    /// <summary>
    /// How long a gap may hold later packets back while NACK tries to recover it, before the gap is accepted.
    /// Two or three RTTs is the usual choice; 150 ms suits a 50 ms RTT. Zero releases out-of-order packets at once.
    /// </summary>
    public TimeSpan MaxGapWait { get; set; } = TimeSpan.FromMilliseconds(150);
}
