namespace CallBot.Rtc.Payloads;

/// <summary>VP8 depacketizer (RFC 7741): strips the payload descriptor; keyframes are told by the P bit of the frame tag.</summary>
public sealed class Vp8Depacketizer : IDepacketizer
{
    public bool TryUnmarshal(ReadOnlySpan<byte> payload, FrameBuffer frame, out PayloadDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!Vp8Descriptor.TryParse(payload, out _, out var length) || length >= payload.Length)
        {
            reason = PayloadDropReason.TooShort;
            return false;
        }

        frame.Append(payload[length..]);
        reason = PayloadDropReason.None;
        return true;
    }

    public bool IsPartitionHead(ReadOnlySpan<byte> payload) =>
        Vp8Descriptor.TryParse(payload, out var d, out _) && d.StartOfPartition && d.PartitionIndex == 0;

    public bool TryGetFrameNumber(ReadOnlySpan<byte> payload, out int number, out int modulus)
    {
        var found = Vp8Descriptor.TryParse(payload, out var d, out _) && d.HasPictureId;
        number = found ? d.PictureId : 0;
        modulus = !found ? 0 : d.LongPictureId ? 1 << 15 : 1 << 7;
        return found;
    }

    public bool IsPartitionTail(bool marker, ReadOnlySpan<byte> payload) => marker;

    public void CompleteFrame(FrameBuffer frame, out bool isKeyFrame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        isKeyFrame = Vp8FrameHeader.IsKeyFrame(frame.WrittenSpan);
    }

    public void Reset()
    {
    }
}
