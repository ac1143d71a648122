namespace CallBot.Rtc;

/// <summary>An RTCP sender report from the peer: maps its RTP timestamp to wall-clock NTP time (A/V sync when recording).</summary>
public sealed record RemoteSenderReport(uint Ssrc, ulong NtpTime, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>
/// Frames were lost on a receive stream (packets missing after the jitter buffer gave up waiting). <paramref name="DetectedAt"/>
/// is the connection's TimeProvider timestamp on the receive path: the event itself is raised later, on the event queue.
/// </summary>
public sealed record FrameGap(uint Ssrc, long PacketsMissing, long FramesDropped, long DetectedAt);
