namespace CallBot.Rtc.Payloads;

/// <summary>
/// Receives one RTP payload built by an <see cref="IPayloader"/>. The payload is <paramref name="prefix"/> followed by
/// <paramref name="body"/> (a payload descriptor or FU header, then a slice of the frame), so the caller can write both
/// straight after the RTP header without an intermediate copy. Both spans are only valid during the call.
/// </summary>
public delegate void PayloadSink<TState>(TState state, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body, bool isLastOfFrame);

/// <summary>Splits one encoded frame into RTP payloads of at most <c>maxPayloadSize</c> bytes each.</summary>
/// <remarks>Not thread-safe: a payloader keeps per-stream state (picture id, scratch buffer). One per sender.</remarks>
public interface IPayloader
{
    /// <summary>
    /// Emits the payloads of <paramref name="frame"/> in order; the last one has <c>isLastOfFrame</c> set (the RTP marker bit for video).
    /// <paramref name="maxPayloadSize"/> is the room left after the RTP header, extensions and SRTP tag (the MTU budget).
    /// Returns the number of payloads emitted; 0 when the frame is empty or cannot be sent in that size.
    /// </summary>
    int Payload<TState>(int maxPayloadSize, ReadOnlySpan<byte> frame, PayloadSink<TState> sink, TState state);
}
