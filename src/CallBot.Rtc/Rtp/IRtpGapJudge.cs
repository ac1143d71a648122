namespace CallBot.Rtc.Rtp;

/// <summary>
/// A payload consumer that can tell, from the packet held after a gap, that the gap carried no media, so the jitter
/// buffer need not wait for it (<see cref="RtpStreamReceiver.GapsSkipped"/>).
/// </summary>
public interface IRtpGapJudge
{
    /// <summary>
    /// True when <paramref name="payload"/> begins the frame numbered right after the last frame the consumer completed:
    /// every packet of both frames is then accounted for, so the sequence numbers missing in between were not media (a
    /// lost ULPFEC packet, which no sender retransmits, or padding).
    /// </summary>
    bool FollowsLastFrame(ReadOnlySpan<byte> payload);
}
