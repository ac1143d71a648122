namespace CallBot.Rtc.Payloads;

/// <summary>Opus depacketizer (RFC 7587): the payload is the Opus packet; every packet is a whole frame and decodes alone.</summary>
public sealed class OpusDepacketizer : IDepacketizer
{
    public bool TryUnmarshal(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (payload.IsEmpty)
        {
            reason = PayloadDropReason.TooShort;
            return false;
        }

        frame.Append(payload);
        reason = PayloadDropReason.None;
        return true;
    }

    public bool IsPartitionHead(ReadOnlySpan<byte> payload) => true;

    /// <summary>No frame numbers in this format.</summary>
    public bool TryGetFrameNumber(ReadOnlySpan<byte> payload, out int number, out int modulus)
    {
        number = 0;
        modulus = 0;
        return false;
    }

    public bool IsPartitionTail(bool marker, ReadOnlySpan<byte> payload) => true;

    public void CompleteFrame(FrameBuffer frame, out bool isKeyFrame) => isKeyFrame = true;

    public void Reset()
    {
    }
}
