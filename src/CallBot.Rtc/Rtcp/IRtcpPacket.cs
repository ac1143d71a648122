namespace CallBot.Rtc.Rtcp;

/// <summary>An RTCP packet that can be written. <see cref="GetSize"/> always equals what <see cref="TryWrite"/> writes.</summary>
public interface IRtcpPacket
{
    /// <summary>Bytes this packet occupies on the wire, header included (a multiple of 4).</summary>
    int GetSize();

    /// <summary>Writes the packet; false (and nothing written) if <paramref name="destination"/> is shorter than <see cref="GetSize"/>.</summary>
    bool TryWrite(Span<byte> destination, out int written);
}

/// <summary>
/// A typed RTCP packet that parses itself from one packet of a compound datagram (header included), so
/// <see cref="RtcpPacketParser"/> dispatches every type through one generic call.
/// </summary>
internal interface IRtcpPacket<TSelf> : IRtcpPacket
    where TSelf : class, IRtcpPacket<TSelf>
{
    /// <summary>False with the reason when the packet is malformed; <paramref name="packet"/> is then null.</summary>
    static abstract bool TryParse(ReadOnlySpan<byte> packet, out TSelf? value, out RtcpDropReason reason);
}
