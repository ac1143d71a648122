namespace CallBot.Rtc.Payloads;

/// <summary>
/// VP8 payloader (RFC 7741 §4): the frame is cut into equal-ish slices, each behind a payload descriptor; the first has S=1,
/// PID=0. With <see cref="UsePictureId"/> a 15-bit picture id that grows by one per frame is carried (as browsers do).
/// </summary>
public sealed class Vp8Payloader : IPayloader
{
    private const int PictureIdMask = 0x7FFF;

    public Vp8Payloader(bool usePictureId = true, int initialPictureId = 0)
    {
        UsePictureId = usePictureId;
        PictureId = initialPictureId & PictureIdMask;
    }

    public bool UsePictureId { get; }

    /// <summary>The picture id the next frame will carry.</summary>
    public int PictureId { get; private set; }

    public int Payload<TState>(int maxPayloadSize, ReadOnlySpan<byte> frame, PayloadSink<TState> sink, TState state)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var descriptor = new Vp8Descriptor
        {
            StartOfPartition = true,
            HasPictureId = UsePictureId,
            LongPictureId = UsePictureId,
            PictureId = PictureId,
        };
        var descriptorSize = descriptor.GetSize();
        var room = maxPayloadSize - descriptorSize;
        if (frame.IsEmpty || room <= 0)
        {
            return 0;
        }

        Span<byte> prefix = stackalloc byte[Vp8Descriptor.MaxSize];
        var packets = (frame.Length + room - 1) / room;
        var offset = 0;
        for (var i = 0; i < packets; i++)
        {
            // Spread the bytes evenly so the last packet is not a tiny one.
            var remainingPackets = packets - i;
            var size = (frame.Length - offset + remainingPackets - 1) / remainingPackets;
            var written = (descriptor with { StartOfPartition = i == 0 }).Write(prefix);
            sink(state, prefix[..written], frame.Slice(offset, size), i == packets - 1);
            offset += size;
        }

        if (UsePictureId)
        {
            PictureId = (PictureId + 1) & PictureIdMask;
        }

        return packets;
    }
}
