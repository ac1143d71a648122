namespace CallBot.Rtc.Rtcp;

/// <summary>An RTCP packet that can be written. <see cref="GetSize"/> always equals what <see cref="TryWrite"/> writes.</summary>
public interface IRtcpPacket
{
    /// <summary>Bytes this packet occupies on the wire, header included (a multiple of 4).</summary>
    int GetSize();

    /// <summary>Writes the packet; false (and nothing written) if <paramref name="destination"/> is shorter than <see cref="GetSize"/>.</summary>
    bool TryWrite(Span<byte> destination, out int written);
}
