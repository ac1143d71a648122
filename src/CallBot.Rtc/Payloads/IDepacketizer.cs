namespace CallBot.Rtc.Payloads;

/// <summary>
/// Turns the RTP payloads of one codec back into frame bytes. Payload bytes are never trusted: every length is checked
/// against the payload, and a bad payload returns false with a reason instead of throwing.
/// </summary>
/// <remarks>Not thread-safe (H.264 keeps SPS/PPS and fragment state). One per receive stream.</remarks>
public interface IDepacketizer
{
    /// <summary>Appends the frame bytes carried by <paramref name="payload"/> to <paramref name="frame"/>.</summary>
    bool TryUnmarshal(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason);

    /// <summary>True when this payload certainly begins a frame (VP8 S=1 and PID=0; H.264 first slice or parameter sets; every Opus packet).</summary>
    bool IsPartitionHead(ReadOnlySpan<byte> payload);

    /// <summary>
    /// The number of the frame this payload belongs to, when the format numbers frames one by one (VP8's picture id:
    /// <paramref name="modulus"/> 128 or 32,768); false when it does not (H.264, Opus) or this payload carries none.
    /// </summary>
    bool TryGetFrameNumber(ReadOnlySpan<byte> payload, out int number, out int modulus);

    /// <summary>True when this payload ends a frame (the marker bit for video; every Opus packet).</summary>
    bool IsPartitionTail(bool marker, ReadOnlySpan<byte> payload);

    /// <summary>Called once a frame's payloads are all in: may fix up the frame (H.264 prepends SPS/PPS to an IDR) and tells if it is a keyframe.</summary>
    void CompleteFrame(FrameBuffer frame, out bool isKeyFrame);

    /// <summary>Forgets any partial-fragment state (after a dropped frame).</summary>
    void Reset();
}
