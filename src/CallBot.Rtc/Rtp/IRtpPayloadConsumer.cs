namespace CallBot.Rtc.Rtp;

/// <summary>Takes the in-order payloads a <see cref="RtpStreamReceiver"/> releases (a FrameAssembler, or a test probe).</summary>
public interface IRtpPayloadConsumer
{
    /// <summary><paramref name="sequence"/> is unwrapped; a jump from the previous call is a gap the receiver gave up on.</summary>
    void OnRtpPayload(long sequence, in RtpHeader header, ReadOnlySpan<byte> payload);
}
