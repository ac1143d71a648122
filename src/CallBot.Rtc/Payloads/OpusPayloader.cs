namespace CallBot.Rtc.Payloads;

/// <summary>Opus payloader (RFC 7587 §4.2): one Opus packet per RTP packet, never fragmented.</summary>
public sealed class OpusPayloader : IPayloader
{
    public int Payload<TState>(int maxPayloadSize, ReadOnlySpan<byte> frame, PayloadSink<TState> sink, TState state)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (frame.IsEmpty || frame.Length > maxPayloadSize)
        {
            return 0;
        }

        sink(state, default, frame, true);
        return 1;
    }
}
